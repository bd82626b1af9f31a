import { IpSet } from './ip-set';

describe('IpSet', () => {
  it('returns the most specific v4 match', () => {
    const s = new IpSet();
    expect(s.add('10.0.0.0/8', 'corp')).toBe(true);
    expect(s.add('10.1.0.0/16', 'lab')).toBe(true);
    expect(s.add('10.1.2.3', 'host')).toBe(true);
    expect(s.lookup('10.1.2.3')?.reason).toBe('host');
    expect(s.lookup('10.1.9.9')?.reason).toBe('lab');
    expect(s.lookup('10.9.9.9')?.reason).toBe('corp');
    expect(s.lookup('11.0.0.1')).toBeNull();
    expect(s.size).toBe(3);
  });
  it('matches v6 networks and exact v6 hosts', () => {
    const s = new IpSet();
    s.add('2a0b:f4c2::/32');
    s.add('2001:db8::1');
    expect(s.has('2a0b:f4c2:2:1::209')).toBe(true);
    expect(s.has('2a0b:f4c3::1')).toBe(false);
    expect(s.has('2001:db8::1')).toBe(true);
    expect(s.has('2001:db8::2')).toBe(false);
    expect(s.has('not-an-ip')).toBe(false);
  });
  it('finds v4 entries for v4-mapped v6 input and merges ports of duplicates', () => {
    const s = new IpSet();
    s.add('192.0.2.7', 'x', [9001]);
    s.add('192.0.2.7', 'y', [443]);
    expect(s.size).toBe(1);
    expect(s.lookup('::ffff:192.0.2.7')).toEqual({ cidr: '192.0.2.7', reason: 'x', ports: [9001, 443] });
  });
  it('rejects invalid text without adding', () => {
    const s = new IpSet();
    expect(s.add('999.1.1.1')).toBe(false);
    expect(s.add('example.com')).toBe(false);
    expect(s.size).toBe(0);
  });
});
