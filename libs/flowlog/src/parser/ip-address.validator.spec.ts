import { isIP } from 'node:net';
import fc from 'fast-check';
import { ipv4OfBytes } from '@flowguard/util';
import { LineScanner } from './wasm/line-scanner';
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

  it("the WebAssembly fast path's checks agree: IPv4 with util's reader, IPv6 with node:net", () => {
    // the module has its own copy of both rules (it cannot call TypeScript): keep them one rule
    const scanner = LineScanner.acquire();
    const near = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.string({ maxLength: 45 }), fc.stringMatching(/^[0-9a-f:.]{0,45}$/));
    fc.assert(
      fc.property(near, (s) => {
        fc.pre(!s.includes('%') && /^[\x20-\x7e]*$/.test(s));
        const b = Buffer.from(s, 'latin1');
        const expected = ipv4OfBytes(b, 0, b.length) >= 0 ? 2 : isIP(s) === 6 ? 1 : 0;
        expect(scanner.addressKind(s)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    for (const s of ['01.2.3.4', '1.2.3.4x', '1.2.3', '256.1.1.1']) expect(scanner.addressKind(s)).toBe(0);
    scanner.release();
  });
});
