/**
 * Allocation-free IP address parsing for hot paths (CIDR sets, detectors).
 *
 * IPv4 is a uint32 number; IPv6 is four uint32 words, most significant first.
 * Hand-written instead of a library because callers parse once per distinct
 * address into typed arrays and must not allocate an object per lookup.
 */
import { ipv4OfText } from '@flowguard/util';

/**
 * Parse dotted-quad IPv4 (all of `s`, or [from, to)) into an unsigned 32-bit number, or -1
 * when invalid: the repo's one IPv4 text rule (no leading zeros), shared with the flow-batch
 * string table's IPv4 view.
 */
export const parseIpv4: (s: string, from?: number, to?: number) => number = ipv4OfText;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const groups = new Uint16Array(8);

/**
 * Parse IPv6 text (with `::`, embedded IPv4, optional `[..]` and `%zone`) into
 * `out` (4 words). Returns false when invalid.
 */
export function parseIpv6(s: string, out: Uint32Array): boolean {
  let from = 0;
  let to = s.length;
  if (s.charCodeAt(0) === 91 /* [ */) {
    if (s.charCodeAt(to - 1) !== 93) return false;
    from = 1;
    to -= 1;
  }
  const zone = s.indexOf('%', from);
  if (zone >= 0 && zone < to) to = zone;
  if (to - from < 2) return false;
  let n = 0; // groups written
  let gap = -1; // index in groups where '::' sits
  let i = from;
  if (s.charCodeAt(i) === 58 /* : */) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === to) {
      out.fill(0);
      return true;
    }
  }
  while (i < to) {
    // embedded IPv4 in the last 32 bits
    let j = i;
    let hasDot = false;
    while (j < to && s.charCodeAt(j) !== 58) {
      if (s.charCodeAt(j) === 46) hasDot = true;
      j++;
    }
    if (hasDot) {
      if (j !== to || n > 6) return false;
      const v4 = parseIpv4(s, i, to);
      if (v4 < 0) return false;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      i = to;
      break;
    }
    if (j === i || j - i > 4 || n >= 8) return false;
    let g = 0;
    for (let k = i; k < j; k++) {
      const h = hexValue(s.charCodeAt(k));
      if (h < 0) return false;
      g = (g << 4) | h;
    }
    groups[n++] = g;
    i = j;
    if (i < to) {
      // at ':'
      if (s.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return false;
        gap = n;
        i += 2;
      } else {
        i += 1;
        if (i === to) return false; // trailing single ':'
      }
    }
  }
  if (gap < 0 && n !== 8) return false;
  if (gap >= 0 && n > 7) return false;
  const words = [0, 0, 0, 0, 0, 0, 0, 0];
  if (gap < 0) {
    for (let k = 0; k < 8; k++) words[k] = groups[k] as number;
  } else {
    for (let k = 0; k < gap; k++) words[k] = groups[k] as number;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) words[8 - tail + k] = groups[gap + k] as number;
  }
  for (let k = 0; k < 4; k++) out[k] = ((words[2 * k] as number) * 65536 + (words[2 * k + 1] as number)) >>> 0;
  return true;
}

/** A parsed address: family 4 uses `v4`; family 6 uses `v6` (4 words). */
export interface ParsedIp {
  family: 4 | 6;
  v4: number;
  v6: Uint32Array;
}

/** Parse either family; IPv4-mapped IPv6 (::ffff:a.b.c.d) is returned as IPv4. */
export function parseIp(s: string, out?: ParsedIp): ParsedIp | null {
  const r = out ?? { family: 4 as 4 | 6, v4: 0, v6: new Uint32Array(4) };
  const v4 = s.indexOf(':') < 0 ? parseIpv4(s) : -1;
  if (v4 >= 0) {
    r.family = 4;
    r.v4 = v4;
    return r;
  }
  if (!parseIpv6(s, r.v6)) return null;
  if (r.v6[0] === 0 && r.v6[1] === 0 && r.v6[2] === 0xffff) {
    r.family = 4;
    r.v4 = r.v6[3] as number;
    return r;
  }
  r.family = 6;
  return r;
}

/** Canonical text of an IPv4 number. */
export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** Mask of the top `prefix` bits of a 32-bit word (prefix 0..32). */
export function mask32(prefix: number): number {
  return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0;
}

export interface ParsedCidr {
  family: 4 | 6;
  prefix: number;
  /** network address, masked (family 4) */
  v4: number;
  /** network address, masked (family 6) */
  v6: Uint32Array;
}

/** Parse `a.b.c.d/n`, `x::/n` or a bare address (host prefix). Host bits are masked off. */
export function parseCidr(text: string): ParsedCidr | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefix = Number(p);
    // a v4-mapped v6 CIDR like ::ffff:10.0.0.0/104 becomes a v4 /8
    if (ip.family === 4 && addr.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > max) return null;
  }
  const v6 = new Uint32Array(4);
  if (ip.family === 6) {
    for (let k = 0; k < 4; k++) v6[k] = ((ip.v6[k] as number) & mask32(prefix - 32 * k)) >>> 0;
  }
  return { family: ip.family, prefix, v4: ip.family === 4 ? (ip.v4 & mask32(prefix)) >>> 0 : 0, v6 };
}

/** True when `ip` (parsed) lies inside `cidr`. */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  if (cidr.family === 4) return ((ip.v4 & mask32(cidr.prefix)) >>> 0) === cidr.v4;
  for (let k = 0; k < 4; k++) {
    if ((((ip.v6[k] as number) & mask32(cidr.prefix - 32 * k)) >>> 0) !== cidr.v6[k]) return false;
  }
  return true;
}

/** RFC 1918, CGNAT, loopback, link-local, ULA: addresses that are never "the internet". */
export const PRIVATE_CIDRS = [
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
  'fc00::/7', 'fe80::/10', '::1/128',
] as const;
