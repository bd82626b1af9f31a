/**
 * IP → autonomous system (number and organisation) from the range tables of
 * @ip-location-db/asn (RouteViews + the five RIRs + DB-IP ASN Lite, CC BY 4.0;
 * attribution required: {@link ASN_ATTRIBUTION}, docs/ingest.md). That data is
 * shipped as CSV only (no MMDB form is published to the npm registry reachable
 * here), so the ranges are loaded into sorted typed arrays and looked up by
 * binary search: ~412k IPv4 ranges (Uint32) and ~103k IPv6 ranges (two
 * BigUint64 halves each), organisation names interned once.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AsnInfo, AsnLookup } from '@flowguard/ingest-pipeline';
import { parseIPv4, parseIPv6 } from '@flowguard/ingest-pipeline';

export const DEFAULT_ASN_IPV4_CSV = '@ip-location-db/asn/asn-ipv4-num.csv';
export const DEFAULT_ASN_IPV6_CSV = '@ip-location-db/asn/asn-ipv6-num.csv';
export const ASN_ATTRIBUTION = 'IP-to-ASN data © RouteViews (routeviews.org), NRO (nro.net) and DB-IP (db-ip.com), CC BY 4.0, via ip-location-db';

const resolvePath = (p: string) => (p.startsWith('@') ? require.resolve(p) : p);
const MASK64 = (1n << 64n) - 1n;

/** One CSV line `start,end,asn,org` (org possibly quoted, `""` inside quotes); undefined when malformed. */
export function parseAsnCsvLine(line: string): { start: string; end: string; asn: number; org: string } | undefined {
  const a = line.indexOf(',');
  const b = a < 0 ? -1 : line.indexOf(',', a + 1);
  const c = b < 0 ? -1 : line.indexOf(',', b + 1);
  if (c < 0) return undefined;
  const asn = Number(line.slice(b + 1, c));
  if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) return undefined;
  let org = line.slice(c + 1);
  if (org.startsWith('"')) org = org.endsWith('"') ? org.slice(1, -1).replace(/""/g, '"') : org.slice(1);
  return { start: line.slice(0, a), end: line.slice(a + 1, b), asn, org };
}

class RangeTable<T extends Uint32Array | BigUint64Array> {
  constructor(readonly starts: T, readonly ends: T, readonly asn: Uint32Array, readonly org: Uint32Array, readonly length: number) {}
}

export interface AsnLoadStats {
  readonly ipv4Ranges: number;
  readonly ipv6Ranges: number;
  readonly badLines: number;
  readonly organisations: number;
}

export class CsvAsnLookup implements AsnLookup {
  private constructor(
    private readonly v4: RangeTable<Uint32Array>,
    // IPv6 as (high 64, low 64) pairs: comparisons on two BigUint64 columns
    private readonly v6hi: RangeTable<BigUint64Array>,
    private readonly v6lo: { starts: BigUint64Array; ends: BigUint64Array },
    private readonly orgs: string[],
    readonly stats: AsnLoadStats,
  ) {}

  /** Loads both tables (ranges must be sorted by start and disjoint, as the package ships them). */
  static async open(o: { ipv4?: string; ipv6?: string | false } = {}): Promise<CsvAsnLookup> {
    const orgs: string[] = [];
    const orgIds = new Map<string, number>();
    const intern = (s: string) => {
      let id = orgIds.get(s);
      if (id === undefined) {
        id = orgs.length;
        orgs.push(s);
        orgIds.set(s, id);
      }
      return id;
    };
    let bad = 0;
    const v4 = { s: [] as number[], e: [] as number[], a: [] as number[], o: [] as number[] };
    for await (const line of createInterface({ input: createReadStream(resolvePath(o.ipv4 ?? DEFAULT_ASN_IPV4_CSV)), crlfDelay: Infinity })) {
      if (!line) continue;
      const r = parseAsnCsvLine(line);
      const s = r ? Number(r.start) : NaN;
      const e = r ? Number(r.end) : NaN;
      if (!r || !(s >= 0 && e >= s && e <= 0xffffffff) || (v4.s.length && s <= v4.e[v4.e.length - 1]!)) {
        bad++;
        continue;
      }
      v4.s.push(s); v4.e.push(e); v4.a.push(r.asn); v4.o.push(intern(r.org));
    }
    const v6 = { sh: [] as bigint[], sl: [] as bigint[], eh: [] as bigint[], el: [] as bigint[], a: [] as number[], o: [] as number[] };
    let lastEnd = -1n;
    if (o.ipv6 !== false) {
      for await (const line of createInterface({ input: createReadStream(resolvePath(o.ipv6 ?? DEFAULT_ASN_IPV6_CSV)), crlfDelay: Infinity })) {
        if (!line) continue;
        const r = parseAsnCsvLine(line);
        let s = -1n;
        let e = -1n;
        try {
          if (r) [s, e] = [BigInt(r.start), BigInt(r.end)];
        } catch {
          // not a number: counted below
        }
        if (!r || s < 0n || e < s || e > (1n << 128n) - 1n || s <= lastEnd) {
          bad++;
          continue;
        }
        lastEnd = e;
        v6.sh.push(s >> 64n); v6.sl.push(s & MASK64); v6.eh.push(e >> 64n); v6.el.push(e & MASK64);
        v6.a.push(r.asn); v6.o.push(intern(r.org));
      }
    }
    const v4t = new RangeTable(Uint32Array.from(v4.s), Uint32Array.from(v4.e), Uint32Array.from(v4.a), Uint32Array.from(v4.o), v4.s.length);
    const v6t = new RangeTable(BigUint64Array.from(v6.sh), BigUint64Array.from(v6.eh), Uint32Array.from(v6.a), Uint32Array.from(v6.o), v6.sh.length);
    return new CsvAsnLookup(v4t, v6t, { starts: BigUint64Array.from(v6.sl), ends: BigUint64Array.from(v6.el) }, orgs,
      { ipv4Ranges: v4t.length, ipv6Ranges: v6t.length, badLines: bad, organisations: orgs.length });
  }

  asn(ip: string): AsnInfo | undefined {
    const v4 = parseIPv4(ip);
    if (v4 >= 0) return this.find4(v4);
    const v6 = parseIPv6(ip);
    return v6 === undefined ? undefined : this.find6(v6);
  }

  private find4(x: number): AsnInfo | undefined {
    const t = this.v4;
    let lo = 0;
    let hi = t.length - 1;
    // last range whose start ≤ x
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((t.starts[mid] as number) <= x) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && x <= (t.ends[hi] as number) ? this.info(t.asn[hi] as number, t.org[hi] as number) : undefined;
  }

  private find6(x: bigint): AsnInfo | undefined {
    const t = this.v6hi;
    const xh = x >> 64n;
    const xl = x & MASK64;
    const le = (h: bigint, l: bigint) => h < xh || (h === xh && l <= xl); // (h,l) ≤ x
    let lo = 0;
    let hi = t.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (le(t.starts[mid] as bigint, this.v6lo.starts[mid] as bigint)) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return undefined;
    const eh = t.ends[hi] as bigint;
    const el = this.v6lo.ends[hi] as bigint;
    const inside = xh < eh || (xh === eh && xl <= el);
    return inside ? this.info(t.asn[hi] as number, t.org[hi] as number) : undefined;
  }

  private info(asn: number, org: number): AsnInfo | undefined {
    // AS0 marks unrouted / reserved space in these tables: no information
    return asn === 0 ? undefined : { asn, org: this.orgs[org] ?? '' };
  }
}
