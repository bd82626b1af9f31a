import { cidrContains, formatIpv4, parseCidr, parseIp, parseIpv4, parseIpv6 } from './ip-address';

function must<T>(v: T | null | undefined): T {
  if (v === null || v === undefined) throw new Error('expected a value');
  return v;
}

describe('parseIpv4', () => {
  it('parses dotted quads', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(formatIpv4(parseIpv4('192.168.10.50'))).toBe('192.168.10.50');
  });
  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '01.2.3.4', 'a.b.c.d', '1.2.3.4 '])('rejects %j', (s) => {
    expect(parseIpv4(s)).toBe(-1);
  });
});

describe('parseIpv6', () => {
  const w = new Uint32Array(4);
  it('expands :: and groups', () => {
    expect(parseIpv6('2001:db8::1', w)).toBe(true);
    expect([...w]).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6('::', w)).toBe(true);
    expect([...w]).toEqual([0, 0, 0, 0]);
    expect(parseIpv6('fe80::e8ff:97da:2f7f:abb3%eth0', w)).toBe(true);
    expect([...w]).toEqual([0xfe800000, 0, 0xe8ff97da, 0x2f7fabb3]);
    expect(parseIpv6('[2a0b:f4c2::28]', w)).toBe(true);
    expect(parseIpv6('2001:0470:001d:03b0:0000:0000:00ac:ce55', w)).toBe(true);
    expect([...w]).toEqual([0x20010470, 0x001d03b0, 0, 0x00acce55]);
  });
  it('reads embedded IPv4', () => {
    expect(parseIpv6('::ffff:10.1.2.3', w)).toBe(true);
    expect([...w]).toEqual([0, 0, 0xffff, 0x0a010203]);
  });
  it.each(['1::2::3', ':1:2', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7:'])('rejects %j', (s) => {
    expect(parseIpv6(s, w)).toBe(false);
  });
});

describe('parseIp / parseCidr / cidrContains', () => {
  it('treats v4-mapped v6 as v4', () => {
    expect(parseIp('::ffff:192.0.2.1')?.family).toBe(4);
  });
  it('masks host bits and matches both families', () => {
    const c = must(parseCidr('10.1.2.3/8'));
    expect(c.v4).toBe(parseIpv4('10.0.0.0'));
    expect(cidrContains(c, must(parseIp('10.200.0.1')))).toBe(true);
    expect(cidrContains(c, must(parseIp('11.0.0.1')))).toBe(false);
    const c6 = must(parseCidr('fc00::/7'));
    expect(cidrContains(c6, must(parseIp('fd12:3456::1')))).toBe(true);
    expect(cidrContains(c6, must(parseIp('fe80::1')))).toBe(false);
    expect(cidrContains(c6, must(parseIp('10.0.0.1')))).toBe(false);
    expect(parseCidr('0.0.0.0/0')?.prefix).toBe(0);
    expect(cidrContains(must(parseCidr('0.0.0.0/0')), must(parseIp('8.8.8.8')))).toBe(true);
  });
  it.each(['10.0.0.0/33', '10.0.0.0/x', 'x', '::/129', '1.2.3.4/'])('rejects %j', (s) => {
    expect(parseCidr(s)).toBeNull();
  });
});
