import { parseCidr, parseIPv4, parseIPv6 } from './ip-address';
import { IpPrefixIndex } from './ip-prefix.index';
import { buildAwsIpRanges, bundledAwsIpRanges, IpRangesError, parseAwsIpRanges } from './aws-ip-ranges';

describe('IP parsing', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIPv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', 'a.b.c.d', '1.2.3.4 ']) expect(parseIPv4(bad)).toBe(-1);
  });

  it('parses IPv6 including :: and embedded IPv4', () => {
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('2001:db8::1')).toBe((0x20010db8n << 96n) | 1n);
    expect(parseIPv6('::ffff:1.2.3.4')).toBe((0xffffn << 32n) | 0x01020304n);
    expect(parseIPv6('fe80::1%eth0')).toBe((0xfe80n << 112n) | 1n);
    for (const bad of ['1.2.3.4', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9']) expect(parseIPv6(bad)).toBeUndefined();
  });

  it('parses CIDRs and masks host bits', () => {
    expect(parseCidr('10.1.2.3/8')).toEqual({ family: 4, start: 0x0a000000, end: 0x0affffff, bits: 8 });
    expect(parseCidr('10.1.2.3')).toMatchObject({ start: 0x0a010203, end: 0x0a010203, bits: 32 });
    expect(parseCidr('2600:1f00::/24')).toMatchObject({ family: 6, bits: 24 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/x')).toBeUndefined();
  });
});

describe('IpPrefixIndex', () => {
  const idx = new IpPrefixIndex([
    { cidr: '10.0.0.0/8', value: 'a' },
    { cidr: '10.1.0.0/16', value: 'b' },
    { cidr: '10.1.2.0/24', value: 'c' },
    { cidr: '10.3.0.0/16', value: 'd' },
    { cidr: '0.0.0.0/0', value: 'any' },
    { cidr: '2600:1f00::/24', value: 'v6a' },
    { cidr: '2600:1f14::/35', value: 'v6b' },
  ]);

  it('returns the longest matching prefix, walking up when a nearer sibling does not contain the address', () => {
    expect(idx.lookup('10.1.2.200')).toBe('c');
    expect(idx.lookup('10.1.3.1')).toBe('b');
    expect(idx.lookup('10.2.0.1')).toBe('a'); // the sorted predecessor 10.1.2.0/24 does not contain it
    expect(idx.lookup('10.3.255.255')).toBe('d');
    expect(idx.lookup('11.0.0.1')).toBe('any');
    expect(idx.lookup('2600:1f14::1')).toBe('v6b');
    expect(idx.lookup('2600:1f20::1')).toBe('v6a');
    expect(idx.lookup('2a00::1')).toBeUndefined();
    expect(idx.lookup('not-an-ip')).toBeUndefined();
  });

  it('agrees with a brute-force longest-prefix search on random data', () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const cidrs = Array.from({ length: 400 }, () => {
      const bits = 8 + Math.floor(rnd() * 25);
      const ip = Math.floor(rnd() * 2 ** 32);
      return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}/${bits}`;
    });
    const index = new IpPrefixIndex(cidrs.map((c, i) => ({ cidr: c, value: i })));
    const parsed = cidrs.map((c) => parseCidr(c)!);
    for (let k = 0; k < 3000; k++) {
      // probe near prefix starts so matches are frequent
      const p = parsed[Math.floor(rnd() * parsed.length)]!;
      const ip = Math.min(2 ** 32 - 1, (p.start as number) + Math.floor(rnd() * 2 ** (40 - p.bits)));
      let best = -1;
      let bestBits = -1;
      parsed.forEach((c, i) => {
        if (ip >= (c.start as number) && ip <= (c.end as number) && (c.bits > bestBits || (c.bits === bestBits && best < 0))) {
          best = i;
          bestBits = c.bits;
        }
      });
      const got = index.lookupV4(ip);
      if (best < 0) expect(got).toBeUndefined();
      else expect(parsed[got!]!.bits).toBe(bestBits);
    }
  });
});

describe('AWS ip-ranges', () => {
  const doc = {
    syncToken: '1700000000', createDate: '2026-11-01-00-00-00',
    prefixes: [
      { ip_prefix: '52.94.0.0/16', region: 'us-east-1', service: 'AMAZON', network_border_group: 'us-east-1' },
      { ip_prefix: '52.94.0.0/22', region: 'us-east-1', service: 'AMAZON', network_border_group: 'us-east-1' },
      { ip_prefix: '52.94.0.0/22', region: 'us-east-1', service: 'DYNAMODB', network_border_group: 'us-east-1' },
      { ip_prefix: '3.0.0.0/9', region: 'us-east-1', service: 'EC2', network_border_group: 'us-east-1' },
    ],
    ipv6_prefixes: [{ ipv6_prefix: '2600:1f18::/33', region: 'us-east-1', service: 'S3', network_border_group: 'us-east-1' }],
  };

  it('names the most specific subset first, AMAZON last', () => {
    const r = buildAwsIpRanges(doc);
    expect(r.services('52.94.1.1')).toEqual(['DYNAMODB', 'AMAZON']);
    expect(r.services('52.94.200.1')).toEqual(['AMAZON']);
    expect(r.services('2600:1f18::5')).toEqual(['S3']);
    expect(r.services('8.8.8.8')).toBeUndefined();
    expect(r.prefixCount).toBe(5);
  });

  it('rejects malformed documents with a clear error', () => {
    expect(() => parseAwsIpRanges('{')).toThrow(IpRangesError);
    expect(() => buildAwsIpRanges({ prefixes: 'x' })).toThrow(/arrays/);
    expect(() => buildAwsIpRanges({ prefixes: [{ ip_prefix: '1.2.3.0/24' }] })).toThrow(/service/);
    expect(() => buildAwsIpRanges({ prefixes: [{ ip_prefix: '1.2.3/24', service: 'S3' }] })).toThrow(/unparseable/);
  });

  it('loads the bundled snapshot', () => {
    const r = bundledAwsIpRanges();
    expect(r.services('107.23.255.10')).toEqual(['ROUTE53_HEALTHCHECKS']);
    expect(r.services('52.217.1.1')).toEqual(['S3', 'AMAZON']);
  });
});
