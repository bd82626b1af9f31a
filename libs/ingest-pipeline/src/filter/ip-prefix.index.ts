/**
 * Longest-prefix match over many CIDRs (ip-ranges.json has ~10k), IPv4 and
 * IPv6. Prefixes are kept sorted by start; CIDRs either nest or are disjoint,
 * so each prefix records its nearest enclosing prefix. A lookup binary-searches
 * the last prefix starting at or before the address and walks up the enclosing
 * chain (≤ 32 / 128 steps, in practice 1–3) until one contains it: that is the
 * most specific match.
 */
import { parseCidr, parseIPv4, parseIPv6 } from './ip-address';

export interface PrefixEntry<T> {
  readonly cidr: string;
  readonly value: T;
}

interface Family<N> {
  starts: N[];
  ends: N[];
  parents: Int32Array;
  values: unknown[];
}

function build<N extends number | bigint>(items: Array<{ start: N; end: N; bits: number; value: unknown }>, merge: (a: unknown, b: unknown) => unknown): Family<N> {
  items.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.bits - b.bits));
  const dedup: typeof items = [];
  for (const it of items) {
    const last = dedup[dedup.length - 1];
    if (last && last.start === it.start && last.bits === it.bits) last.value = merge(last.value, it.value);
    else dedup.push({ ...it });
  }
  const parents = new Int32Array(dedup.length).fill(-1);
  const stack: number[] = [];
  dedup.forEach((it, i) => {
    while (stack.length && (dedup[stack[stack.length - 1]!]!.end as N) < it.start) stack.pop();
    if (stack.length) parents[i] = stack[stack.length - 1]!;
    stack.push(i);
  });
  return { starts: dedup.map((d) => d.start), ends: dedup.map((d) => d.end), parents, values: dedup.map((d) => d.value) };
}

function find<N extends number | bigint>(f: Family<N>, x: N): number {
  let lo = 0;
  let hi = f.starts.length - 1;
  let i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((f.starts[mid] as N) <= x) {
      i = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  while (i >= 0 && (f.ends[i] as N) < x) i = f.parents[i] as number;
  return i;
}

export class IpPrefixIndex<T> {
  private readonly v4: Family<number>;
  private readonly v6: Family<bigint>;
  /** entries whose CIDR did not parse */
  readonly rejected: string[] = [];

  /** `merge` decides the value when the same prefix is listed twice (default: first wins) */
  constructor(entries: Iterable<PrefixEntry<T>>, merge: (a: T, b: T) => T = (a) => a) {
    const v4: Array<{ start: number; end: number; bits: number; value: unknown }> = [];
    const v6: Array<{ start: bigint; end: bigint; bits: number; value: unknown }> = [];
    for (const e of entries) {
      const c = parseCidr(e.cidr);
      if (!c) this.rejected.push(e.cidr);
      else if (c.family === 4) v4.push({ start: c.start, end: c.end, bits: c.bits, value: e.value });
      else v6.push({ start: c.start, end: c.end, bits: c.bits, value: e.value });
    }
    const m = merge as (a: unknown, b: unknown) => unknown;
    this.v4 = build(v4, m);
    this.v6 = build(v6, m);
  }

  get size(): number {
    return this.v4.starts.length + this.v6.starts.length;
  }

  lookupV4(ip: number): T | undefined {
    if (ip < 0) return undefined;
    const i = find(this.v4, ip);
    return i < 0 ? undefined : (this.v4.values[i] as T);
  }

  lookupV6(ip: bigint): T | undefined {
    const i = find(this.v6, ip);
    return i < 0 ? undefined : (this.v6.values[i] as T);
  }

  lookup(ip: string): T | undefined {
    const v4 = parseIPv4(ip);
    if (v4 >= 0) return this.lookupV4(v4);
    const v6 = parseIPv6(ip);
    return v6 === undefined ? undefined : this.lookupV6(v6);
  }
}
