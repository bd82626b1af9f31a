/**
 * Allocation-light IP parsing for the filters: IPv4 as an unsigned 32-bit
 * number, IPv6 as a bigint. Invalid input yields -1 / undefined, never throws.
 */
import { ipv4OfText } from '@flowguard/util';

/** Dotted-quad IPv4 as an unsigned 32-bit number, or -1 (the repository's one reader, `ipv4OfText`). */
export function parseIPv4(s: string): number {
  return ipv4OfText(s);
}

export function parseIPv6(input: string): bigint | undefined {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;
  // embedded IPv4 in the last 32 bits (::ffff:1.2.3.4)
  let tailV4: number | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (tailV4 < 0) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | BigInt(tailV4);
  return v;
}

export type Cidr =
  | { readonly family: 4; readonly start: number; readonly end: number; readonly bits: number }
  | { readonly family: 6; readonly start: bigint; readonly end: bigint; readonly bits: number };

/** `10.0.0.0/8`, `2600:1f00::/24`, or a bare address (/32, /128). Host bits are masked off. */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const bitsText = slash < 0 ? undefined : s.slice(slash + 1);
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  const v4 = parseIPv4(addr);
  if (v4 >= 0) {
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    if (bits > 32) return undefined;
    const size = 2 ** (32 - bits);
    const start = Math.floor(v4 / size) * size;
    return { family: 4, start, end: start + size - 1, bits };
  }
  const v6 = parseIPv6(addr);
  if (v6 === undefined) return undefined;
  const bits = bitsText === undefined ? 128 : Number(bitsText);
  if (bits > 128) return undefined;
  const host = (1n << BigInt(128 - bits)) - 1n;
  const start = v6 & ~host & ((1n << 128n) - 1n);
  return { family: 6, start, end: start | host, bits };
}

export function cidrContains(c: Cidr, v4: number, v6: bigint | undefined): boolean {
  if (c.family === 4) return v4 >= 0 && v4 >= c.start && v4 <= c.end;
  return v6 !== undefined && v6 >= c.start && v6 <= c.end;
}
