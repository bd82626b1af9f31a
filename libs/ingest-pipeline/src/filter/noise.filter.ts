/**
 * Tier-1 noise filter on the columnar batch. One pass classifies every row and
 * yields two outputs (ADR 0014):
 * - `detection`: rows detectors must see. Dropped from it: allow-listed rows,
 *   small accepted flows to AWS endpoint services, and (mode `drop`) health
 *   checks. Never dropped: NODATA/SKIPDATA telemetry; REJECTs and rows with a
 *   threat-intel mark unless an explicit allow-list entry names them; large
 *   transfers to AWS services (exfiltration to S3).
 * - `storage`: everything, except that known-benign established rows (the
 *   ones above) are kept at a deterministic sample rate (default 1%), marked SAMPLED.
 * Every drop is counted by reason. Marks (AWS service, health check, sampled)
 * are written into the input batch's `marks` column and copied to both outputs.
 */
import { Action, Direction, FlowBatch, LogStatus, Mark } from '@flowguard/contracts';
import { activeAllowEntries, compileAllowList, matchAllowEntry, TAG_FIELDS, type AllowListEntry, type CompiledAllowEntry, type RowView } from './allow-list';
import type { AwsIpRanges } from './aws-ip-ranges';
import { cidrContains, parseCidr, parseIPv6, type Cidr } from './ip-address';

/** services whose addresses are AWS-operated endpoints, not customer compute (EC2 and AMAZON are deliberately absent) */
export const DEFAULT_ENDPOINT_SERVICES = ['S3', 'DYNAMODB', 'EC2_INSTANCE_CONNECT', 'ROUTE53_HEALTHCHECKS_PUBLISHING', 'CLOUDFRONT_ORIGIN_FACING', 'API_GATEWAY'];

export interface NoiseFilterConfig {
  readonly awsServices?: {
    readonly enabled?: boolean;
    readonly ranges?: AwsIpRanges;
    /** default {@link DEFAULT_ENDPOINT_SERVICES} */
    readonly endpointServices?: readonly string[];
    /** rows above this many bytes stay in detection (volume exfiltration to S3); default 10 MiB */
    readonly keepBytesAbove?: number;
  };
  readonly healthChecks?: {
    /** `mark` (default): keep in detection with HEALTH_CHECK so beacon/scan detectors skip them; `drop`: remove from detection */
    readonly mode?: 'mark' | 'drop';
    /** treat flows from/to the ROUTE53_HEALTHCHECKS subset as health checks (default true) */
    readonly route53?: boolean;
    /** load-balancer ENI ids (ENI description contains the LB name) */
    readonly lbEnis?: readonly string[];
    /** load-balancer private IPs / subnets */
    readonly lbCidrs?: readonly string[];
    /** health-check / target ports; empty = any */
    readonly ports?: readonly number[];
    /** a health check is small: at most this many packets and bytes per record (defaults 20, 10,000) */
    readonly maxPackets?: number;
    readonly maxBytes?: number;
  };
  readonly allowList?: ReadonlyArray<AllowListEntry>;
  readonly storageSampling?: {
    /** share of known-benign established rows kept for storage, 0..1 (default 0.01) */
    readonly rate?: number;
    /** changes which flows are sampled; keep it stable so a sampled flow stays sampled */
    readonly seed?: string;
  };
}

export const DROP_REASONS = ['allow_list', 'aws_service', 'health_check_route53', 'health_check_lb'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface NoiseFilterCounts {
  input: number;
  detection: number;
  storage: number;
  /** rows removed from detection, by reason */
  droppedFromDetection: Record<DropReason, number>;
  /** rows removed from storage by sampling, by the reason they were benign */
  sampledOutOfStorage: Record<DropReason, number>;
  /** rows marked but kept in detection (health checks in mark mode, large AWS transfers) */
  marked: { healthCheck: number; awsService: number };
  /** rows exempt from every rule: REJECT, telemetry, threat-intel marked */
  protectedRows: number;
  allowListHits: Record<string, number>;
  expiredAllowEntries: string[];
}

/** `detection` and `storage` are copied on first read, from the input batch as it is then: read them before changing the input. */
export interface NoiseFilterResult {
  readonly detection: FlowBatch;
  /** the input rows that make up `detection` (ascending), or null when it is the whole input: lets a caller skip the copy */
  readonly detectionRows: Uint32Array | null;
  readonly storage: FlowBatch;
  readonly counts: NoiseFilterCounts;
}

const THREAT_MARKS = Mark.SRC_TOR_EXIT | Mark.DST_TOR_EXIT | Mark.SRC_TOR_RELAY | Mark.DST_TOR_RELAY | Mark.SRC_MINING_POOL | Mark.DST_MINING_POOL | Mark.SRC_THREAT_LIST | Mark.DST_THREAT_LIST;
// module-level copies: the contracts' constants read through the barrel's getters per row cost ~1.6% of a profile (as in detection's partition-rows.ts)
const NODATA = LogStatus.NODATA;
const SKIPDATA = LogStatus.SKIPDATA;
const ACCEPT = Action.ACCEPT;
const EGRESS = Direction.EGRESS;
const SRC_AWS_SERVICE = Mark.SRC_AWS_SERVICE;
const DST_AWS_SERVICE = Mark.DST_AWS_SERVICE;
const HEALTH_CHECK = Mark.HEALTH_CHECK;
const SAMPLED = Mark.SAMPLED;

/** FNV-1a over a string, continuing from `h` */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** One decimal part of an IPv4 address (0..255) into FNV-1a, without leading zeros. */
function fnvOctet(h: number, v: number): number {
  if (v >= 100) h = Math.imul(h ^ (48 + Math.floor(v / 100)), 0x01000193);
  if (v >= 10) h = Math.imul(h ^ (48 + (Math.floor(v / 10) % 10)), 0x01000193);
  return Math.imul(h ^ (48 + (v % 10)), 0x01000193);
}

/** {@link fnv} of an IPv4 address's dotted-quad text, computed from its value: the same hash as the text's, no string */
export function fnvIPv4(h: number, v: number): number {
  h = fnvOctet(h, Math.floor(v / 16777216));
  h = fnvOctet(Math.imul(h ^ 46, 0x01000193), Math.floor(v / 65536) % 256);
  h = fnvOctet(Math.imul(h ^ 46, 0x01000193), Math.floor(v / 256) % 256);
  h = fnvOctet(Math.imul(h ^ 46, 0x01000193), v % 256);
  return h >>> 0;
}

function sameRows(a: Uint32Array, b: Uint32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

const zero = (): Record<DropReason, number> => ({ allow_list: 0, aws_service: 0, health_check_route53: 0, health_check_lb: 0 });

export class NoiseFilter {
  private readonly allow: CompiledAllowEntry[];
  private readonly endpointServices: Set<string>;
  private readonly lbCidrs: Cidr[];
  private readonly lbEnis: Set<string>;
  private readonly hcPorts: Set<number>;
  private readonly sampleThreshold: number;
  private readonly seedHash: number;

  constructor(private readonly c: NoiseFilterConfig = {}) {
    this.allow = compileAllowList(c.allowList ?? []);
    this.endpointServices = new Set(c.awsServices?.endpointServices ?? DEFAULT_ENDPOINT_SERVICES);
    this.lbCidrs = (c.healthChecks?.lbCidrs ?? []).map((s) => {
      const p = parseCidr(s);
      if (!p) throw new Error(`healthChecks.lbCidrs: ${s} is not a CIDR`);
      return p;
    });
    this.lbEnis = new Set(c.healthChecks?.lbEnis ?? []);
    this.hcPorts = new Set(c.healthChecks?.ports ?? []);
    const rate = c.storageSampling?.rate ?? 0.01;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`storageSampling.rate ${rate} must be within 0..1`);
    this.sampleThreshold = Math.floor(rate * 0x100000000);
    this.seedHash = fnv(0x811c9dc5, c.storageSampling?.seed ?? 'flowguard');
  }

  apply(batch: FlowBatch, now: number): NoiseFilterResult {
    const n = batch.length;
    const s = batch.strings;
    const { active, expired } = activeAllowEntries(this.allow, now);
    const counts: NoiseFilterCounts = {
      input: n, detection: 0, storage: 0, droppedFromDetection: zero(), sampledOutOfStorage: zero(),
      marked: { healthCheck: 0, awsService: 0 }, protectedRows: 0, allowListHits: {}, expiredAllowEntries: expired,
    };

    // per string id caches: each distinct address is looked up once per batch. IPv4 comes
    // from the table's numeric view (a parsed batch creates no string for it); only other
    // values (IPv6, garbage) are read as text, once each
    const size = s.size;
    const v4 = s.ipv4Values();
    const v6 = new Map<number, bigint | undefined>();
    const svcCache = new Int8Array(size); // 0 unknown, 1 none, 2 endpoint service, 3 route53 health checker
    const addr = (id: number) => {
      const p = v4[id] as number;
      if (p < 0 && id !== 0 && !v6.has(id)) v6.set(id, parseIPv6(s.get(id)));
      return p;
    };
    const ranges = this.c.awsServices?.enabled === false ? undefined : this.c.awsServices?.ranges;
    const classify = (services: readonly string[] | undefined): number => {
      if (!services) return 1;
      if (services.includes('ROUTE53_HEALTHCHECKS')) return 3;
      for (const sv of services) if (this.endpointServices.has(sv)) return 2;
      return 1;
    };
    const svcOfId = (id: number): number => {
      if (id === 0 || !ranges) return 1;
      let c = svcCache[id] as number;
      if (c === 0) {
        const a = addr(id);
        c = classify(a >= 0 ? ranges.servicesV4(a) : v6.get(id) !== undefined ? ranges.servicesV6(v6.get(id) as bigint) : undefined);
        svcCache[id] = c;
      }
      return c;
    };
    // v5 records name the service already; the pkt-* addresses are the real peers behind NAT
    const pktSrcSvc = batch.text.get('pkt-src-aws-service');
    const pktDstSvc = batch.text.get('pkt-dst-aws-service');
    const pktSrc = batch.text.get('pkt-srcaddr');
    const pktDst = batch.text.get('pkt-dstaddr');
    const fieldCache = new Int8Array(size); // service-name string id → 1 other, 2 endpoint, 3 route53 checker
    const svcFromField = (col: Uint32Array | undefined, i: number): number => {
      const id = col ? (col[i] as number) : 0;
      if (id === 0) return 0;
      let c = fieldCache[id] as number;
      if (c === 0) {
        const name = s.get(id);
        c = name === 'ROUTE53_HEALTHCHECKS' ? 3 : this.endpointServices.has(name) ? 2 : 1;
        fieldCache[id] = c;
      }
      return c;
    };
    // LB membership per string id (address or ENI id): 1 no, 2 yes
    const lbCache = new Int8Array(size);
    const isLbAddr = (id: number): boolean => {
      let c = lbCache[id] as number;
      if (c === 0) {
        const a = addr(id);
        const six = v6.get(id);
        c = this.lbCidrs.some((cidr) => cidrContains(cidr, a, six)) ? 2 : 1;
        lbCache[id] = c;
      }
      return c === 2;
    };
    // ENI ids are compared as text: only read them when an LB ENI is configured
    const lbEniRule = this.lbEnis.size > 0;
    const lbEniCache = new Int8Array(size);
    const isLbEni = (id: number): boolean => {
      let c = lbEniCache[id] as number;
      if (c === 0) {
        c = this.lbEnis.has(s.get(id)) ? 2 : 1;
        lbEniCache[id] = c;
      }
      return c === 2;
    };
    const sideSvc = (fieldCol: Uint32Array | undefined, pktCol: Uint32Array | undefined, addrId: number, i: number) => {
      const f = svcFromField(fieldCol, i);
      if (f !== 0) return f;
      const p = pktCol ? svcOfId(pktCol[i] as number) : 1;
      return p !== 1 ? p : svcOfId(addrId);
    };

    const hashCache = new Float64Array(size).fill(-1);
    const addrHash = (id: number): number => {
      let h = hashCache[id] as number;
      if (h < 0) {
        const a = v4[id] as number;
        h = a >= 0 ? fnvIPv4(this.seedHash, a) : fnv(this.seedHash, s.get(id));
        hashCache[id] = h;
      }
      return h;
    };
    const hc = this.c.healthChecks ?? {};
    const hcDrop = hc.mode === 'drop';
    const route53 = hc.route53 !== false;
    const maxPk = hc.maxPackets ?? 20;
    const maxBy = hc.maxBytes ?? 10_000;
    const keepAbove = this.c.awsServices?.keepBytesAbove ?? 10 * 1024 * 1024;
    const tagCols = TAG_FIELDS.map((f) => batch.text.get(f)).filter((x): x is Uint32Array => !!x);

    const detKeep = new Uint32Array(n);
    const stoKeep = new Uint32Array(n);
    let nd = 0;
    let ns = 0;
    const marks = batch.marks;
    // eni and account are read only by entries that name one: getters, so other entries create no string
    let at = 0;
    const row: RowView = {
      srcV4: -1, srcV6: undefined, dstV4: -1, dstV6: undefined, srcPort: -1, dstPort: -1, protocol: -1, direction: 0,
      get eni() { return s.get(batch.interfaceId[at] as number); },
      get account() { return s.get(batch.accountId[at] as number); },
      tags: () => tagCols.map((c) => s.get(c[at] as number)).filter(Boolean),
    };

    for (let i = 0; i < n; i++) {
      const status = batch.logStatus[i] as number;
      const action = batch.action[i] as number;
      let m = marks[i] as number;
      if (status === NODATA || status === SKIPDATA) {
        // telemetry: gap detectors need every one
        counts.protectedRows++;
        detKeep[nd++] = i;
        stoKeep[ns++] = i;
        continue;
      }
      const srcId = batch.srcAddr[i] as number;
      const dstId = batch.dstAddr[i] as number;
      let benign: DropReason | undefined;
      let dropDetection = false;

      if (active.length > 0) {
        row.srcV4 = addr(srcId);
        row.srcV6 = v6.get(srcId);
        row.dstV4 = addr(dstId);
        row.dstV6 = v6.get(dstId);
        row.srcPort = batch.srcPort[i] as number;
        row.dstPort = batch.dstPort[i] as number;
        row.protocol = batch.protocol[i] as number;
        row.direction = batch.direction[i] as number;
        at = i;
        for (const e of active) {
          if (matchAllowEntry(e, row)) {
            benign = 'allow_list';
            dropDetection = true;
            counts.allowListHits[e.id] = (counts.allowListHits[e.id] ?? 0) + 1;
            break;
          }
        }
      }
      // REJECTs and threat-listed rows: only an explicit allow-list entry removes them
      if (!benign && ((m & THREAT_MARKS) !== 0 || action !== ACCEPT)) {
        counts.protectedRows++;
        detKeep[nd++] = i;
        stoKeep[ns++] = i;
        continue;
      }

      const bytes = batch.bytes[i] as number;
      const packets = batch.packets[i] as number;
      const small = packets >= 0 && packets <= maxPk && bytes >= 0 && bytes <= maxBy;
      if (!benign) {
        const srcSvc = sideSvc(pktSrcSvc, pktSrc, srcId, i);
        const dstSvc = sideSvc(pktDstSvc, pktDst, dstId, i);
        if (srcSvc === 2) m |= SRC_AWS_SERVICE;
        if (dstSvc === 2) m |= DST_AWS_SERVICE;
        if (route53 && (srcSvc === 3 || dstSvc === 3) && small) {
          m |= HEALTH_CHECK;
          benign = 'health_check_route53';
          dropDetection = hcDrop;
        } else if (srcSvc === 2 || dstSvc === 2) {
          if (bytes > keepAbove) {
            // a large transfer to S3 & co. may be exfiltration: not benign, kept whole
            counts.marked.awsService++;
          } else {
            benign = 'aws_service';
            dropDetection = true;
          }
        } else if (small && (this.lbEnis.size > 0 || this.lbCidrs.length > 0)) {
          const sp = batch.srcPort[i] as number;
          const dp = batch.dstPort[i] as number;
          const fromLb = lbEniRule && batch.direction[i] === EGRESS && isLbEni(batch.interfaceId[i] as number);
          const srcLb = isLbAddr(srcId);
          const dstLb = isLbAddr(dstId);
          // LB → target on the health-check port, or the target's answer from that port
          const portOk = this.hcPorts.size === 0 || ((srcLb || fromLb) && this.hcPorts.has(dp)) || (dstLb && this.hcPorts.has(sp));
          if ((srcLb || dstLb || fromLb) && portOk) {
            m |= HEALTH_CHECK;
            benign = 'health_check_lb';
            dropDetection = hcDrop;
          }
        }
        if (benign && benign.startsWith('health_check') && !hcDrop) counts.marked.healthCheck++;
      }

      if (dropDetection) counts.droppedFromDetection[benign as DropReason]++;
      else detKeep[nd++] = i;

      // storage: known-benign established rows are sampled; everything else is kept
      const flags = batch.tcpFlags[i] as number;
      // not established: a lone SYN or RST of a few packets (an attempt or a refusal); SYN+FIN (3) is a whole short connection
      const attempt = (flags === 2 || flags === 4 || flags === 6) && packets >= 0 && packets <= 3;
      const established = action === ACCEPT && !attempt;
      if (benign && established) {
        // flow key hash (src, dst, ports, protocol) so every window of a sampled flow is kept
        let h = Math.imul(addrHash(srcId) ^ 0x9e3779b9, 0x85ebca6b) ^ addrHash(dstId);
        h = Math.imul(h ^ ((batch.srcPort[i] as number) & 0xffff), 0x01000193);
        h = Math.imul(h ^ ((batch.dstPort[i] as number) & 0xffff), 0x01000193);
        h = Math.imul(h ^ ((batch.protocol[i] as number) & 0xff), 0x01000193);
        h ^= h >>> 15;
        h = Math.imul(h, 0x2c1b3c6d);
        h = (h ^ (h >>> 12)) >>> 0;
        if (h < this.sampleThreshold) {
          m |= SAMPLED;
          stoKeep[ns++] = i;
        } else {
          counts.sampledOutOfStorage[benign]++;
        }
      } else {
        stoKeep[ns++] = i;
      }
      marks[i] = m;
    }
    counts.detection = nd;
    counts.storage = ns;
    // copies are made on first read (nothing removed: the input itself): flowguard analyze hands
    // detectionRows to the engine and reads neither (two row gathers per batch, ~5 % of its CPU)
    let detection: FlowBatch | undefined;
    let storage: FlowBatch | undefined;
    const detectionOf = () => (detection ??= nd === n ? batch : batch.select(detKeep, nd));
    return {
      detectionRows: nd === n ? null : detKeep.subarray(0, nd),
      counts,
      get detection(): FlowBatch {
        return detectionOf();
      },
      get storage(): FlowBatch {
        storage ??= ns === n ? batch : ns === nd && nd !== n && sameRows(detKeep, stoKeep, nd) ? detectionOf() : batch.select(stoKeep, ns);
        return storage;
      },
    };
  }
}
