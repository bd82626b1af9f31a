/**
 * A set of IPv4/IPv6 networks with longest-prefix lookup.
 *
 * Entries are grouped by prefix length; a lookup masks the address once per
 * distinct prefix length present (most lists hold only /32 and /128, so one
 * hash probe) and returns the most specific match.
 */
import { mask32, parseCidr, parseIp, type ParsedIp } from './ip-address';

export interface IpSetEntry {
  /** canonical text of the network, e.g. 10.0.0.0/8 or 1.2.3.4 */
  readonly cidr: string;
  readonly reason?: string;
  /** ports recorded with the entry (e.g. a Tor relay's ORPort), when the source gives them */
  readonly ports?: number[];
}

export class IpSet {
  private readonly v4 = new Map<number, Map<number, number>>();
  private readonly v6 = new Map<number, Map<string, number>>();
  private v4Prefixes: number[] = [];
  private v6Prefixes: number[] = [];
  private readonly entries: IpSetEntry[] = [];
  private readonly scratch: ParsedIp = { family: 4, v4: 0, v6: new Uint32Array(4) };
  private readonly key6 = new Uint32Array(4);

  get size(): number {
    return this.entries.length;
  }

  /**
   * Add a network or address. Returns false (and adds nothing) when the text
   * is not a valid IP/CIDR. Adding the same network again merges its ports and
   * keeps the first reason.
   */
  add(text: string, reason?: string, ports?: number[]): boolean {
    const c = parseCidr(text);
    if (!c) return false;
    let idx: number | undefined;
    if (c.family === 4) {
      let m = this.v4.get(c.prefix);
      if (!m) {
        m = new Map();
        this.v4.set(c.prefix, m);
        this.v4Prefixes = [...this.v4.keys()].sort((a, b) => b - a);
      }
      idx = m.get(c.v4);
      if (idx === undefined) m.set(c.v4, this.entries.length);
    } else {
      let m = this.v6.get(c.prefix);
      if (!m) {
        m = new Map();
        this.v6.set(c.prefix, m);
        this.v6Prefixes = [...this.v6.keys()].sort((a, b) => b - a);
      }
      const k = `${c.v6[0]}:${c.v6[1]}:${c.v6[2]}:${c.v6[3]}`;
      idx = m.get(k);
      if (idx === undefined) m.set(k, this.entries.length);
    }
    if (idx === undefined) {
      const cidr = canonicalCidr(text, c.family, c.prefix);
      this.entries.push({ cidr, ...(reason ? { reason } : {}), ...(ports?.length ? { ports: [...new Set(ports)] } : {}) });
    } else if (ports?.length) {
      const e = this.entries[idx] as IpSetEntry;
      this.entries[idx] = { ...e, ports: [...new Set([...(e.ports ?? []), ...ports])] };
    }
    return true;
  }

  has(ip: string): boolean {
    return this.lookup(ip) !== null;
  }

  /** The most specific entry containing `ip`, or null (also for invalid text). */
  lookup(ip: string): IpSetEntry | null {
    const p = parseIp(ip, this.scratch);
    if (!p) return null;
    return p.family === 4 ? this.lookupV4(p.v4) : this.lookupV6(p.v6);
  }

  lookupV4(v: number): IpSetEntry | null {
    for (const prefix of this.v4Prefixes) {
      const idx = (this.v4.get(prefix) as Map<number, number>).get((v & mask32(prefix)) >>> 0);
      if (idx !== undefined) return this.entries[idx] as IpSetEntry;
    }
    return null;
  }

  lookupV6(words: Uint32Array): IpSetEntry | null {
    const k = this.key6;
    for (const prefix of this.v6Prefixes) {
      for (let i = 0; i < 4; i++) k[i] = ((words[i] as number) & mask32(prefix - 32 * i)) >>> 0;
      const idx = (this.v6.get(prefix) as Map<string, number>).get(`${k[0]}:${k[1]}:${k[2]}:${k[3]}`);
      if (idx !== undefined) return this.entries[idx] as IpSetEntry;
    }
    return null;
  }

  /** Every entry, in insertion order. */
  list(): readonly IpSetEntry[] {
    return this.entries;
  }
}

function canonicalCidr(text: string, family: 4 | 6, prefix: number): string {
  const t = text.trim();
  const addr = t.includes('/') ? t.slice(0, t.indexOf('/')) : t;
  const host = family === 4 ? 32 : 128;
  return prefix === host ? addr.toLowerCase() : `${addr.toLowerCase()}/${prefix}`;
}
