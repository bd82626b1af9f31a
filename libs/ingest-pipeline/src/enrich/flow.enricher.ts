/**
 * Enrichment of the detection batch (after the noise filter): country and
 * autonomous system of public peers (local databases), ENI metadata from EC2 (instance, type, security groups,
 * tags; TTL-cached), reverse DNS of public peers (cached, rate-limited, with a
 * timeout and a per-batch deadline). Every source is optional and may fail: the
 * rows it could not serve are marked ENRICH_DEGRADED and flow on; rows with no
 * failure are marked ENRICHED. PTR names are attacker-controlled text: they are
 * stored as data (control characters removed, length capped), never interpreted.
 *
 * Columns written: src-country, dst-country, src-asn, dst-asn (decimal AS
 * number), src-as-org, dst-as-org, eni-instance-id, eni-type,
 * eni-description, eni-security-groups, tags (`k=v,k2=v2`), src-ptr, dst-ptr.
 */
import { Mark, type FlowBatch } from '@flowguard/contracts';
import { parseIPv4, parseIPv6 } from '../filter/ip-address';
import type { AsnLookup, EniMetadata, EniMetadataProvider, GeoIpLookup, ReverseDnsResolver } from './enrich.port';
import { TtlCache } from './ttl-cache';

export interface FlowEnricherOptions {
  readonly geo?: GeoIpLookup;
  readonly asn?: AsnLookup;
  readonly eni?: EniMetadataProvider;
  readonly dns?: ReverseDnsResolver;
  readonly now?: () => number;
  /** ENI metadata cache: ENIs churn (Lambda, ECS) but rarely within minutes. Default 10 min */
  readonly eniTtlMs?: number;
  /** after an EC2 failure, do not call again for this long (default 30 s) */
  readonly eniRetryAfterMs?: number;
  readonly dnsTtlMs?: number;
  readonly dnsNegativeTtlMs?: number;
  readonly dnsTimeoutMs?: number;
  /** reverse lookups started per second at most (token bucket); default 50 */
  readonly dnsPerSecond?: number;
  /** wall-clock budget for all DNS of one batch; unresolved names are skipped (not degraded). Default 2 s */
  readonly dnsBatchBudgetMs?: number;
}

export interface EnrichCounts {
  rows: number;
  enriched: number;
  degraded: number;
  geo: { hits: number; failures: number };
  asn: { hits: number; failures: number };
  eni: { hits: number; misses: number; failures: number; cached: number };
  dns: { lookups: number; cached: number; names: number; failures: number; rateLimited: number; overBudget: number };
}

// module-level copies of the contracts' constants (no barrel getter per row)
const ENRICHED = Mark.ENRICHED;
const ENRICH_DEGRADED = Mark.ENRICH_DEGRADED;

/** RFC 1918, loopback, link-local, CGNAT, ULA, multicast: no geo, no PTR worth asking the internet for */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4 >= 0) return isPrivateIPv4(v4);
  const v6 = parseIPv6(ip);
  if (v6 === undefined) return true;
  const top = Number(v6 >> 112n);
  return v6 <= 1n || (top & 0xfe00) === 0xfc00 || (top & 0xffc0) === 0xfe80 || (top & 0xff00) === 0xff00;
}

/** {@link isPrivateAddress} for an IPv4 address as an unsigned 32-bit number */
export function isPrivateIPv4(v4: number): boolean {
  const a = Math.floor(v4 / 16777216);
  const b = Math.floor(v4 / 65536) % 256;
  return a === 10 || a === 127 || a === 0 || a >= 224 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

/** PTR text is data from whoever controls the reverse zone: keep it inert. */
export function sanitizePtr(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f\s]/g, '').replace(/\.$/, '').slice(0, 253);
}

export class FlowEnricher {
  private readonly now: () => number;
  private readonly eniCache: TtlCache<string, EniMetadata | null>;
  private readonly dnsCache: TtlCache<string, string>;
  private eniDownUntil = 0;
  private tokens: number;
  private tokensAt: number;

  constructor(private readonly o: FlowEnricherOptions) {
    this.now = o.now ?? Date.now;
    this.eniCache = new TtlCache(50_000, this.now);
    this.dnsCache = new TtlCache(200_000, this.now);
    this.tokens = o.dnsPerSecond ?? 50;
    this.tokensAt = this.now();
  }

  async enrich(batch: FlowBatch): Promise<EnrichCounts> {
    const n = batch.length;
    const s = batch.strings;
    const counts: EnrichCounts = {
      rows: n, enriched: 0, degraded: 0, geo: { hits: 0, failures: 0 }, asn: { hits: 0, failures: 0 },
      eni: { hits: 0, misses: 0, failures: 0, cached: 0 }, dns: { lookups: 0, cached: 0, names: 0, failures: 0, rateLimited: 0, overBudget: 0 },
    };
    const degraded = new Uint8Array(n);
    // distinct public addresses of the batch, by string id
    const publicIds = new Set<number>();
    const isPublic = new Int8Array(s.size);
    // IPv4 by number from the table's view: a parsed batch creates no string here (geo, ASN and DNS read text for public addresses only)
    const v4 = s.ipv4Values();
    const pub = (id: number) => {
      if (id === 0) return false;
      if (isPublic[id] === 0) {
        const a = v4[id] as number;
        isPublic[id] = (a >= 0 ? isPrivateIPv4(a) : isPrivateAddress(s.get(id))) ? 1 : 2;
      }
      return isPublic[id] === 2;
    };
    for (let i = 0; i < n; i++) {
      if (pub(batch.srcAddr[i] as number)) publicIds.add(batch.srcAddr[i] as number);
      if (pub(batch.dstAddr[i] as number)) publicIds.add(batch.dstAddr[i] as number);
    }

    if (this.o.geo) this.geo(batch, publicIds, degraded, counts);
    if (this.o.asn) this.asn(batch, publicIds, degraded, counts);
    if (this.o.eni) await this.eni(batch, degraded, counts);
    if (this.o.dns) await this.dns(batch, publicIds, degraded, counts);

    for (let i = 0; i < n; i++) {
      if (degraded[i]) {
        batch.marks[i] = (batch.marks[i] as number) | ENRICH_DEGRADED;
        counts.degraded++;
      } else {
        batch.marks[i] = (batch.marks[i] as number) | ENRICHED;
        counts.enriched++;
      }
    }
    return counts;
  }

  private geo(batch: FlowBatch, ids: Set<number>, degraded: Uint8Array, counts: EnrichCounts): void {
    const s = batch.strings;
    const country = new Map<number, number>();
    let failed = false;
    for (const id of ids) {
      try {
        const c = this.o.geo!.country(s.get(id));
        if (c) {
          country.set(id, s.intern(c));
          counts.geo.hits++;
        }
      } catch {
        failed = true;
        counts.geo.failures++;
        break;
      }
    }
    const src = country.size ? batch.textColumn('src-country') : undefined;
    const dst = country.size ? batch.textColumn('dst-country') : undefined;
    for (let i = 0; i < batch.length; i++) {
      const a = country.get(batch.srcAddr[i] as number);
      const b = country.get(batch.dstAddr[i] as number);
      if (a && src) src[i] = a;
      if (b && dst) dst[i] = b;
      if (failed) degraded[i] = 1;
    }
  }

  private asn(batch: FlowBatch, ids: Set<number>, degraded: Uint8Array, counts: EnrichCounts): void {
    const s = batch.strings;
    const found = new Map<number, { asn: number; org: number }>();
    let failed = false;
    for (const id of ids) {
      try {
        const r = this.o.asn!.asn(s.get(id));
        if (r) {
          found.set(id, { asn: s.intern(String(r.asn)), org: s.intern(r.org) });
          counts.asn.hits++;
        }
      } catch {
        failed = true;
        counts.asn.failures++;
        break;
      }
    }
    const cols = found.size
      ? { srcAsn: batch.textColumn('src-asn'), dstAsn: batch.textColumn('dst-asn'), srcOrg: batch.textColumn('src-as-org'), dstOrg: batch.textColumn('dst-as-org') }
      : undefined;
    for (let i = 0; i < batch.length; i++) {
      if (failed) degraded[i] = 1;
      if (!cols) continue;
      const a = found.get(batch.srcAddr[i] as number);
      const b = found.get(batch.dstAddr[i] as number);
      if (a) [cols.srcAsn[i], cols.srcOrg[i]] = [a.asn, a.org];
      if (b) [cols.dstAsn[i], cols.dstOrg[i]] = [b.asn, b.org];
    }
  }

  private async eni(batch: FlowBatch, degraded: Uint8Array, counts: EnrichCounts): Promise<void> {
    const s = batch.strings;
    const ids = new Set<string>();
    for (let i = 0; i < batch.length; i++) {
      const id = batch.interfaceId[i] as number;
      if (id) ids.add(s.get(id));
    }
    const want: string[] = [];
    for (const id of ids) {
      if (this.eniCache.get(id) !== undefined) counts.eni.cached++;
      else want.push(id);
    }
    let down = false;
    if (want.length > 0) {
      if (this.now() < this.eniDownUntil) down = true;
      else {
        try {
          const got = await this.o.eni!.describe(want);
          for (const id of want) {
            const meta = got.get(id) ?? null;
            if (meta) counts.eni.hits++;
            else counts.eni.misses++;
            // unknown ENIs (deleted Lambda/ECS interfaces) are remembered briefly so they are not asked for every batch
            this.eniCache.set(id, meta, meta ? this.o.eniTtlMs ?? 600_000 : 60_000);
          }
        } catch {
          counts.eni.failures++;
          down = true;
          this.eniDownUntil = this.now() + (this.o.eniRetryAfterMs ?? 30_000);
        }
      }
    }
    const cols = {
      instance: batch.textColumn('eni-instance-id'), type: batch.textColumn('eni-type'), desc: batch.textColumn('eni-description'),
      sgs: batch.textColumn('eni-security-groups'), tags: batch.textColumn('tags'),
    };
    const memo = new Map<number, EniMetadata | null | undefined>();
    for (let i = 0; i < batch.length; i++) {
      const id = batch.interfaceId[i] as number;
      if (!id) continue;
      let meta = memo.get(id);
      if (!memo.has(id)) {
        meta = this.eniCache.get(s.get(id));
        memo.set(id, meta);
      }
      if (meta === undefined) {
        if (down) degraded[i] = 1;
        continue;
      }
      if (meta === null) continue;
      if (meta.instanceId) cols.instance[i] = s.intern(meta.instanceId);
      if (meta.interfaceType) cols.type[i] = s.intern(meta.interfaceType);
      if (meta.description) cols.desc[i] = s.intern(meta.description);
      if (meta.securityGroups.length) cols.sgs[i] = s.intern(meta.securityGroups.join(','));
      const tags = Object.entries(meta.tags);
      if (tags.length) cols.tags[i] = s.intern(tags.map(([k, v]) => `${k}=${v}`).join(','));
    }
  }

  private takeToken(): boolean {
    const rate = this.o.dnsPerSecond ?? 50;
    const t = this.now();
    this.tokens = Math.min(rate, this.tokens + ((t - this.tokensAt) / 1000) * rate);
    this.tokensAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async dns(batch: FlowBatch, ids: Set<number>, degraded: Uint8Array, counts: EnrichCounts): Promise<void> {
    const s = batch.strings;
    const names = new Map<number, string>();
    const failedIds = new Set<number>();
    const pending: Array<Promise<void>> = [];
    const timeoutMs = this.o.dnsTimeoutMs ?? 500;
    for (const id of ids) {
      const ip = s.get(id);
      const cached = this.dnsCache.get(ip);
      if (cached !== undefined) {
        counts.dns.cached++;
        if (cached) names.set(id, cached);
        continue;
      }
      if (!this.takeToken()) {
        counts.dns.rateLimited++;
        continue;
      }
      counts.dns.lookups++;
      pending.push((async () => {
        let timer: NodeJS.Timeout | undefined;
        try {
          const res = await Promise.race([
            this.o.dns!.reverse(ip),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
          ]);
          const name = res.length ? sanitizePtr(res[0] as string) : '';
          this.dnsCache.set(ip, name, name ? this.o.dnsTtlMs ?? 3_600_000 : this.o.dnsNegativeTtlMs ?? 600_000);
          if (name) names.set(id, name);
        } catch {
          counts.dns.failures++;
          failedIds.add(id);
        } finally {
          clearTimeout(timer);
        }
      })());
    }
    if (pending.length) {
      let budgetTimer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        Promise.all(pending).then(() => true),
        new Promise<boolean>((r) => (budgetTimer = setTimeout(() => r(false), this.o.dnsBatchBudgetMs ?? 2000))),
      ]);
      clearTimeout(budgetTimer);
      if (!settled) counts.dns.overBudget++;
    }
    counts.dns.names = names.size;
    const src = names.size ? batch.textColumn('src-ptr') : undefined;
    const dst = names.size ? batch.textColumn('dst-ptr') : undefined;
    for (let i = 0; i < batch.length; i++) {
      const a = batch.srcAddr[i] as number;
      const b = batch.dstAddr[i] as number;
      const na = names.get(a);
      const nb = names.get(b);
      if (na && src) src[i] = s.intern(na);
      if (nb && dst) dst[i] = s.intern(nb);
      if (failedIds.has(a) || failedIds.has(b)) degraded[i] = 1;
    }
  }
}
