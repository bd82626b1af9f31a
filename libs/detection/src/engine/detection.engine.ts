/**
 * DetectionEngine: streaming, event-time detection over columnar FlowBatches.
 *
 * process(batch) prepares the batch once (address ids, direction, response and
 * probe classification, late and allow-list drops), lets every enabled
 * detector ingest it, advances the watermark (max start seen − allowed
 * lateness) and closes every window that ended at or before it. Findings of
 * closed windows go through aggregation (episodes, escalation, suppression).
 */
import { Action, Direction, LogStatus, type AnomalyV1, type FlowBatch } from '@flowguard/contracts';
import { NO_THREAT_INTEL, type ThreatIntelLookup } from '@flowguard/threat-intel';
import { AnomalyAggregator } from '../aggregation/anomaly.aggregator';
import { DETECTOR_IDS, type DetectionConfig } from '../config/detection-config';
import type { Candidate, Detector, EngineContext } from '../detectors/detector';
import { createDetectors, longestWindowSec } from '../detectors/registry';
import { AllowList } from './allow-list';
import type { EngineStats } from './engine-stats';
import { EniOwnerTracker, Side } from './eni-owner.tracker';
import { InternTable } from './intern-table';
import { IpAttr, IpRegistry } from './ip-registry';
import { PreparedBatch, RowFlag, TcpFlag } from './prepared-batch';

export interface DetectionEngineDeps {
  threatIntel?: ThreatIntelLookup;
  /** wall clock in epoch ms (suppression/allow-list expiry, updatedAt) */
  now?: () => number;
  /**
   * Run only some of the detectors the role selects, by {@link Detector.name}: `only` keeps the
   * named ones, `except` drops them. For engines that each see every row and share the work
   * (the analyze CLI's two lanes): unlike a src/dst role, such an engine still learns ENI owners
   * itself (role `all`), so its rows are classified exactly as one engine running everything.
   */
  detectors?: { only?: readonly string[]; except?: readonly string[] };
}

// module-level copies: the contracts barrel re-exports through getters, too slow for a per-row read
const ACCEPT = Action.ACCEPT;
const REJECT = Action.REJECT;
const NODATA = LogStatus.NODATA;
const SKIPDATA = LogStatus.SKIPDATA;
const EGRESS = Direction.EGRESS;
const INGRESS = Direction.INGRESS;

const MAINTENANCE_EVERY_SEC = 600;
/** slice length for time-sorted batches that span longer than this */
const SLICE_SEC = 300;

export class DetectionEngine {
  readonly config: DetectionConfig;
  private readonly now: () => number;
  private readonly ips: IpRegistry;
  private readonly enis = new InternTable();
  private readonly accounts = new InternTable();
  private readonly tracker = new EniOwnerTracker();
  private allowList: AllowList;
  private readonly servicePort = new Uint8Array(65536);
  private readonly detectors: Detector[];
  private readonly aggregator: AnomalyAggregator;
  private readonly prep = new PreparedBatch();
  private readonly ctx: EngineContext;
  private readonly inferOwner: boolean;
  private readonly longest: number;
  private watermark = -Infinity;
  private maxStart = -Infinity;
  private nextMaintenance = -Infinity;
  private readonly s: Omit<EngineStats, 'state' | 'benignSkips' | 'findings' | 'anomaliesOpen' | 'anomaliesEvicted' | 'addresses' | 'watermark' | 'maxEventTime' | 'allowListedByEntry' | 'allowListExpired'> = {
    batches: 0, records: 0, flows: 0, nodata: 0, skipdata: 0, lateDrops: 0, allowListed: 0, responses: 0, probes: 0,
    closingRejects: 0, directionInferred: 0, addressesRecycled: 0, evictions: {},
  };

  constructor(config: DetectionConfig, deps: DetectionEngineDeps = {}) {
    this.config = config;
    this.now = deps.now ?? Date.now;
    const ti = deps.threatIntel ?? NO_THREAT_INTEL;
    this.ips = new IpRegistry(config.network.internalCidrs, ti);
    this.allowList = new AllowList(config.allowList);
    for (let p = 0; p < 1024; p++) this.servicePort[p] = 1;
    for (const p of config.network.servicePorts) this.servicePort[p] = 1;
    // the repartitioner infers directions for partitioned engines (see partition/)
    this.inferOwner = config.network.inferEniOwner && config.role === 'all';
    const evictions = this.s.evictions;
    const ips = this.ips;
    const enis = this.enis;
    const accounts = this.accounts;
    this.ctx = {
      config, ips, enis, accounts, ti,
      names: { ip: (id) => ips.str(id), eni: (id) => enis.str(id), account: (id) => accounts.str(id) },
      evicted: (name, n = 1) => {
        evictions[name] = (evictions[name] ?? 0) + n;
      },
    };
    const only = deps.detectors?.only ? new Set(deps.detectors.only) : null;
    const except = new Set(deps.detectors?.except ?? []);
    this.detectors = createDetectors(this.ctx).filter((d) =>
      (config.role === 'all' || d.keying === config.role) && (only === null || only.has(d.name)) && !except.has(d.name));
    this.aggregator = new AnomalyAggregator(config, this.now);
    this.longest = longestWindowSec(config) + config.detectors.beaconing.lookbackSec;
  }

  /**
   * Replace the suppression rules and the allow list while running (a reload of
   * the configuration file): windows, baselines and open anomalies stay; rows
   * are matched against the new allow list from the next batch on, anomalies
   * against the new rules when they are next evaluated. Hits of entries whose
   * id stays are kept.
   */
  updateRules(rules: Pick<DetectionConfig, 'suppressions' | 'allowList'>): void {
    const hits = this.allowList.hits;
    this.allowList = new AllowList(rules.allowList);
    for (const e of rules.allowList) {
      const n = hits.get(e.id);
      if (n) this.allowList.hits.set(e.id, n);
    }
    this.aggregator.setSuppressions(rules.suppressions);
  }

  /**
   * Analyse one batch; returns anomalies created or updated by windows that closed. With `rows`,
   * only the batch rows rows[0..count) (ascending) are analysed, exactly as if they had been
   * copied into a batch of their own (FlowBatch.select): a filter that drops a few rows then
   * costs no copy of the batch.
   */
  process(batch: FlowBatch, rows?: ArrayLike<number>, count = rows ? rows.length : batch.length): AnomalyV1[] {
    this.s.batches++;
    this.s.records += count;
    this.allowList.refresh(this.now());
    const maxStart = this.prepare(batch, rows ?? null, count);
    const p = this.prep;
    const lateness = this.config.allowedLatenessSec;
    // Rows of one batch are never late relative to each other, so a long batch may be reordered by
    // start (stably: per-entity order is kept for equal starts, and partitioned engines, which get
    // order-preserving subsets of the same batch, reorder identically) and then sliced.
    if (!p.sorted && p.n > 0 && maxStart - this.minStartOf(p) > SLICE_SEC) this.sortRows(p);
    if (!p.sorted || p.n === 0 || (batch.start[p.rows[p.n - 1] as number] as number) - (batch.start[p.rows[0] as number] as number) <= SLICE_SEC) {
      p.from = 0;
      p.to = p.n;
      p.seq++;
      for (const d of this.detectors) d.ingest(p);
      if (maxStart > this.maxStart) this.maxStart = maxStart;
      return this.closeUpTo(this.maxStart - lateness);
    }
    // A time-sorted batch spanning a long time (history, a sorted file): ingest it in time slices
    // and close windows between them, exactly as if it had arrived as many small batches. Sorted
    // rows are never late relative to each other, so the findings are the same; only memory
    // (windows open at once) differs.
    const out: AnomalyV1[] = [];
    let from = 0;
    while (from < p.n) {
      const sliceEnd = (batch.start[p.rows[from] as number] as number) + SLICE_SEC;
      let to = from;
      while (to < p.n && (batch.start[p.rows[to] as number] as number) < sliceEnd) to++;
      p.from = from;
      p.to = to;
      p.seq++;
      for (const d of this.detectors) d.ingest(p);
      const last = batch.start[p.rows[to - 1] as number] as number;
      if (last > this.maxStart) this.maxStart = last;
      out.push(...this.closeUpTo(this.maxStart - lateness));
      from = to;
    }
    return out;
  }

  private minStartOf(p: PreparedBatch): number {
    let m = Infinity;
    const start = p.batch.start;
    for (let k = 0; k < p.n; k++) {
      const t = start[p.rows[k] as number] as number;
      if (t < m) m = t;
    }
    return m;
  }

  /** Stable reorder of the flow rows by start: counting sort when the time range is small, else a stable sort. */
  private sortRows(p: PreparedBatch): void {
    const start = p.batch.start;
    const n = p.n;
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < n; k++) {
      const t = start[p.rows[k] as number] as number;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const range = hi - lo + 1;
    const out = new Int32Array(n);
    if (range <= 4 * n + 65536) {
      const counts = new Int32Array(range + 1);
      for (let k = 0; k < n; k++) counts[(start[p.rows[k] as number] as number) - lo + 1]++;
      for (let r = 1; r <= range; r++) counts[r] = (counts[r] as number) + (counts[r - 1] as number);
      for (let k = 0; k < n; k++) {
        const row = p.rows[k] as number;
        out[counts[(start[row] as number) - lo]++] = row;
      }
    } else {
      const idx = Array.from(p.rows.subarray(0, n)).sort((a, b) => (start[a] as number) - (start[b] as number));
      out.set(idx);
    }
    p.rows.set(out);
    p.sorted = true;
  }

  /**
   * Move the watermark to at least `eventTimeSec` and close due windows. Lets a
   * coordinator drive partitioned engines from one global watermark.
   */
  advanceWatermark(eventTimeSec: number): AnomalyV1[] {
    return this.closeUpTo(eventTimeSec);
  }

  /** Close every open window (end of input or shutdown). Later rows older than the new watermark are late. */
  flush(): AnomalyV1[] {
    if (this.maxStart === -Infinity) return [];
    const tick = this.config.tickSec;
    const end = this.maxStart - (this.maxStart % tick) + tick + longestWindowSec(this.config);
    return this.closeUpTo(end);
  }

  /** Current state of every anomaly episode still held. */
  anomalies(): AnomalyV1[] {
    return this.aggregator.snapshot();
  }

  /** The most recent findings of detectors in dry-run mode (≤ 100). */
  dryRunFindings(): AnomalyV1[] {
    return this.aggregator.dryRunFindings();
  }

  stats(): EngineStats {
    const state: Record<string, number> = {};
    const benignSkips: Record<string, number> = {};
    for (const d of this.detectors) {
      state[d.name] = d.stateSize();
      for (const [reason, n] of Object.entries(d.benignSkips?.() ?? {})) benignSkips[`${d.name}.${reason}`] = n;
    }
    const findings: EngineStats['findings'] = {};
    for (const [k, v] of this.aggregator.counters) findings[k] = { ...v };
    return {
      ...this.s,
      evictions: { ...this.s.evictions },
      allowListedByEntry: Object.fromEntries(this.allowList.hits),
      allowListExpired: this.allowList.expiredCount(this.now()),
      watermark: Number.isFinite(this.watermark) ? this.watermark : -1,
      maxEventTime: Number.isFinite(this.maxStart) ? this.maxStart : -1,
      addresses: this.ips.size,
      state,
      benignSkips,
      findings,
      anomaliesOpen: this.aggregator.size,
      anomaliesEvicted: this.aggregator.evicted,
    };
  }

  private closeUpTo(wm: number): AnomalyV1[] {
    if (!(wm > this.watermark)) return [];
    this.watermark = wm;
    const cands: Candidate[] = [];
    for (const d of this.detectors) d.advance(wm, cands);
    const out: AnomalyV1[] = [];
    if (cands.length > 0) {
      // a total order that does not depend on batching or on engine-internal ids
      const rank = (c: Candidate) => DETECTOR_IDS.indexOf(c.detector);
      cands.sort((a, b) => a.windowEnd - b.windowEnd || rank(a) - rank(b) || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0) || a.windowStart - b.windowStart);
      for (const c of cands) {
        const a = this.aggregator.ingest(c);
        if (a) out.push(a);
      }
    }
    // evidence thunks of the candidates read closed windows: recycle those only now
    for (const d of this.detectors) d.release();
    if (wm >= this.nextMaintenance) this.maintain(wm);
    return out;
  }

  private maintain(wm: number): void {
    this.nextMaintenance = wm - (wm % MAINTENANCE_EVERY_SEC) + MAINTENANCE_EVERY_SEC;
    for (const d of this.detectors) d.maintain(wm);
    this.aggregator.sweep(wm, this.longest);
    const st = this.config.state;
    if (this.ips.size > st.maxIps * 0.9 || wm % 3600 < MAINTENANCE_EVERY_SEC) {
      const before = wm - st.ipIdleTtlSec;
      const n = this.ips.recycleIdle(before);
      if (n > 0) {
        this.s.addressesRecycled += n;
        this.allowList.invalidate();
        this.tracker.forgetIdle(before);
      }
    }
  }

  /** One pass over the batch (its `keep` rows): ids, direction, classification, drops. Returns the max start of its flows. */
  private prepare(batch: FlowBatch, keep: ArrayLike<number> | null, count: number): number {
    const p = this.prep;
    p.reset(batch);
    const s = this.s;
    const strings = batch.strings;
    const ips = this.ips;
    const ipMap = ips.translation(strings);
    const eniMap = this.enis.translation(strings);
    const accMap = this.accounts.translation(strings);
    // lateness is judged on half-tick boundaries: the finest hop of any hopping window (detector.ts hopOf)
    const grain = this.config.tickSec / 2;
    const wm = this.watermark;
    const closedBefore = Number.isFinite(wm) ? wm - (wm % grain) : -Infinity;
    const net = this.config.network;
    const ephemeral = net.ephemeralPortMin;
    const maxPk = net.probeMaxPackets;
    const maxBpp = net.probeMaxBytesPerPacket;
    const udpMaxBpp = net.udpProbeMaxBytesPerPacket;
    const service = this.servicePort;
    let attrs = ips.attrs;
    let lastSeen = ips.lastSeen;
    const allow = this.allowList.empty ? null : this.allowList;
    const infer = this.inferOwner;
    let maxStart = -Infinity;
    for (let k = 0; k < count; k++) {
      const i = keep === null ? k : (keep[k] as number);
      const status = batch.logStatus[i] as number;
      const start = batch.start[i] as number;
      if (status === NODATA) {
        s.nodata++;
        continue;
      }
      if (status === SKIPDATA) {
        s.skipdata++;
        if (start >= closedBefore) {
          p.eni[i] = this.enis.resolve(strings, eniMap, batch.interfaceId[i] as number);
          p.account[i] = this.accounts.resolve(strings, accMap, batch.accountId[i] as number);
          p.addSkip(i);
        }
        continue;
      }
      // OK, or a custom format without log-status: a flow
      let src = ipMap[batch.srcAddr[i] as number] as number;
      let dst = ipMap[batch.dstAddr[i] as number] as number;
      if (src < 0 || dst < 0) {
        if (src < 0) src = ips.resolve(strings, ipMap, batch.srcAddr[i] as number);
        if (dst < 0) dst = ips.resolve(strings, ipMap, batch.dstAddr[i] as number);
        // a new address may have grown the attribute arrays
        attrs = ips.attrs;
        lastSeen = ips.lastSeen;
      }
      let eni = eniMap[batch.interfaceId[i] as number] as number;
      if (eni < 0) eni = this.enis.resolve(strings, eniMap, batch.interfaceId[i] as number);
      let acc = accMap[batch.accountId[i] as number] as number;
      if (acc < 0) acc = this.accounts.resolve(strings, accMap, batch.accountId[i] as number);
      p.srcIp[i] = src;
      p.dstIp[i] = dst;
      p.eni[i] = eni;
      p.account[i] = acc;
      if (start > (lastSeen[src] as number)) lastSeen[src] = start;
      if (start > (lastSeen[dst] as number)) lastSeen[dst] = start;
      const dir = batch.direction[i] as number;
      let side: number = dir === EGRESS ? Side.SRC : dir === INGRESS ? Side.DST : Side.UNKNOWN;
      if (side === Side.UNKNOWN && infer && (batch.interfaceId[i] as number) !== 0) {
        side = this.tracker.observe(eni, src, dst, start);
        if (side !== Side.UNKNOWN) s.directionInferred++;
      }
      if (start < closedBefore) {
        s.lateDrops++;
        continue;
      }
      const sport = batch.srcPort[i] as number;
      const dport = batch.dstPort[i] as number;
      if (allow !== null && allow.match(src, ips.str(src), dst, ips.str(dst), sport, dport) !== null) {
        s.allowListed++;
        continue;
      }
      let f = 0;
      if (side === Side.SRC || ((attrs[src] as number) & IpAttr.INTERNAL) !== 0) f |= RowFlag.SRC_LOCAL;
      if (side === Side.DST || ((attrs[dst] as number) & IpAttr.INTERNAL) !== 0) f |= RowFlag.DST_LOCAL;
      if (((attrs[dst] as number) & IpAttr.NON_UNICAST) !== 0) f |= RowFlag.DST_NON_UNICAST;
      const action = batch.action[i] as number;
      if (action === ACCEPT) f |= RowFlag.ACCEPT;
      else if (action === REJECT) f |= RowFlag.REJECT;
      const proto = batch.protocol[i] as number;
      const tcpFlags = batch.tcpFlags[i] as number;
      if (proto === 6) f |= RowFlag.TCP;
      else if (proto === 17) f |= RowFlag.UDP;
      if ((proto === 6 || proto === 17) && sport >= 0 && dport >= 0) {
        let response: boolean;
        let ambiguous = false;
        if (tcpFlags >= 0 && proto === 6 && (tcpFlags & TcpFlag.SYN_ACK) === TcpFlag.SYN_ACK) response = true;
        else if (tcpFlags >= 0 && proto === 6 && (tcpFlags & TcpFlag.SYN) !== 0) response = false;
        else if (action === REJECT) response = false; // nothing answers with a rejected packet
        else {
          const srcSvc = service[sport] === 1;
          const dstSvc = service[dport] === 1;
          if (srcSvc !== dstSvc) response = srcSvc;
          else if ((sport >= ephemeral) !== (dport >= ephemeral)) response = dport >= ephemeral;
          else {
            // same class on both sides: the lower port is more likely the service, but between
            // two ephemeral ports (high-port scans, their answers, P2P) we cannot tell
            response = sport < dport;
            ambiguous = !srcSvc && sport >= ephemeral;
          }
        }
        if (ambiguous) {
          f |= RowFlag.AMBIGUOUS;
        } else if (response) {
          f |= RowFlag.RESPONSE;
          s.responses++;
        } else if (action === REJECT && tcpFlags >= 0 && (tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) !== 0 && (tcpFlags & TcpFlag.SYN) === 0) {
          f |= RowFlag.CLOSING;
          s.closingRejects++;
        } else {
          const pk = batch.packets[i] as number;
          if (action === REJECT || (pk >= 0 && pk <= maxPk && (batch.bytes[i] as number) <= pk * maxBpp)) {
            f |= RowFlag.PROBE;
            s.probes++;
          } else if (proto === 17 && pk >= 0 && pk <= maxPk && (batch.bytes[i] as number) <= pk * udpMaxBpp) {
            f |= RowFlag.PROBE_PAYLOAD;
          }
        }
      }
      p.flags[i] = f;
      p.rows[p.n++] = i;
      if (start < maxStart) p.sorted = false;
      else maxStart = start;
    }
    s.flows += p.n;
    return maxStart;
  }
}
