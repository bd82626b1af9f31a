import { isIP } from 'node:net';
import fc from 'fast-check';
import { parseIPv4 } from './byte-interner';
import { isIPString } from './ip-address.validator';

describe('IP address validation', () => {
  it.each([
    '0.0.0.0', '255.255.255.255', '10.0.0.1', '::', '::1', '1::', '2001:db8::1', 'fe80::abcd:ef12:1:2', '::ffff:192.0.2.1',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', 'ABCD::EF', '64:ff9b::203.0.113.9',
  ])('accepts %s', (ip) => {
    expect(isIPString(ip)).toBe(true);
  });

  it.each([
    '', '1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', ':', ':::', '1:::2', '2001::db8::1',
    '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', 'fe80::1%eth0', '::ffff:1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '1::2:', ':1::2', 'localhost',
  ])('rejects %j', (ip) => {
    expect(isIPString(ip)).toBe(false);
  });

  it('agrees with node:net on generated addresses and near-misses (zone ids excluded)', () => {
    const near = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 45 }), fc.stringMatching(/^[0-9a-f:.]{0,45}$/));
    fc.assert(
      fc.property(near, (s) => {
        fc.pre(!s.includes('%'));
        expect(isIPString(s)).toBe(isIP(s) !== 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('parses IPv4 to the integer node would, and only canonical text', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const expected = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) | 0;
        expect(parseIPv4(Buffer.from(ip), 0, ip.length)).toBe(expected);
      }),
    );
    expect(parseIPv4(Buffer.from('01.2.3.4'), 0, 8)).toBeUndefined();
    expect(parseIPv4(Buffer.from('1.2.3.4x'), 0, 8)).toBeUndefined();
    expect(parseIPv4(Buffer.from('1.2.3'), 0, 5)).toBeUndefined();
  });
});
