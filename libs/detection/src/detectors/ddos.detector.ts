/**
 * ddos: floods against one destination, judged per 60 s window on absolute
 * thresholds and against the destination's own EWMA baseline. Keyed by
 * destination: SYN flood (tcp-flags SYN without ACK), UDP flood, packet-rate
 * flood, many sources to one target, and connection floods (one source, or
 * all sources, opening connections at a rate no client pool does).
 */
import type { DdosConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag, TcpFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { EwmaBaselines } from '../state/ewma';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, decades, raiseSeverity, ratioConfidence, signal } from './detector';
import { portKey, portOf } from './port-scan.detector';

/**
 * Per destination: totals, and the busiest port found with a two-counter
 * Misra-Gries summary (any port carrying over a third of the records is kept,
 * with a count that is a lower bound of its true count). Per (destination,
 * source): one Boyer-Moore majority port and its count, which gives distinct
 * sources exactly and a one-service connection count per source without a
 * table per port: a port scan (one probe per port) never concentrates on one.
 */
class DdosWindow {
  readonly dsts: KeyIndex;
  /** (dst, src) */
  readonly pairs: KeyIndex;
  pairPort = new Int32Array(64);
  pairCount = new Int32Array(64);
  records = new Int32Array(64);
  packets = new Float64Array(64);
  bytes = new Float64Array(64);
  synOnly = new Int32Array(64);
  udpPackets = new Float64Array(64);
  sources = new Int32Array(64);
  topSrc = new Int32Array(64);
  topSrcCount = new Int32Array(64);
  topSrcPort = new Int32Array(64);
  portA = new Int32Array(64);
  countA = new Int32Array(64);
  portB = new Int32Array(64);
  countB = new Int32Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  readonly evidence: EvidenceSampler;

  constructor(max: number, maxEvidence: number) {
    this.dsts = new KeyIndex(1, 64, max);
    this.pairs = new KeyIndex(2, 64, max);
    this.evidence = new EvidenceSampler(maxEvidence);
  }

  ensure(n: number): void {
    if (n <= this.records.length) return;
    for (const k of ['records', 'packets', 'bytes', 'synOnly', 'udpPackets', 'sources', 'topSrc', 'topSrcCount', 'topSrcPort', 'portA', 'countA', 'portB', 'countB', 'first', 'last'] as const) {
      (this as unknown as Record<string, Int32Array>)[k] = ensureCapacity(this[k] as Int32Array, n);
    }
  }

  /** the busiest port of a destination and its (lower-bound) count */
  topPort(e: number): number {
    return (this.countA[e] as number) >= (this.countB[e] as number) ? (this.portA[e] as number) : (this.portB[e] as number);
  }

  topPortCount(e: number): number {
    return Math.max(this.countA[e] as number, this.countB[e] as number);
  }

  reset(): void {
    const n = this.dsts.size;
    for (const a of [this.records, this.packets, this.bytes, this.synOnly, this.udpPackets, this.sources, this.topSrcCount, this.countA, this.countB]) a.fill(0, 0, n);
    this.pairCount.fill(0, 0, this.pairs.size);
    this.dsts.clear();
    this.pairs.clear();
    this.evidence.clear();
  }
}

/** baseline metrics */
const M_RECORDS = 0;
const M_PACKETS = 1;
const M_SOURCES = 2;
const M_TOP_SOURCE = 3;

interface Trigger {
  kind: string;
  value: number;
  threshold: number;
  relative: boolean;
  mitre: string;
  /** baseline metric, -1 when the trigger has none */
  metric: number;
}

export class DdosDetector implements Detector {
  readonly id = 'ddos' as const;
  readonly name = 'ddos';
  readonly keying = 'dst' as const;
  private readonly windows: TumblingWindows<DdosWindow>;
  private readonly baselines: EwmaBaselines;

  constructor(private readonly ctx: EngineContext, private readonly cfg: DdosConfig) {
    const max = ctx.config.state.maxEntriesPerTable;
    this.windows = new TumblingWindows(cfg.windowSec, () => new DdosWindow(max, ctx.config.aggregation.maxEvidence), (w) => w.reset());
    this.baselines = new EwmaBaselines(4, cfg.ewmaAlpha, cfg.windowSec, max);
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const hotAt = Math.ceil(this.cfg.connFloodPerSourceMin / 2);
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & (RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) continue;
      const start = b.start[i] as number;
      const w = this.windows.at(start);
      const dst = p.dstIp[i] as number;
      const e = w.dsts.upsert(dst);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (w.dsts.added) {
        w.ensure(w.dsts.size);
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
      }
      const pk = Math.max(0, b.packets[i] as number);
      w.records[e]++;
      w.packets[e] += pk;
      w.bytes[e] += Math.max(0, b.bytes[i] as number);
      if (f & RowFlag.UDP) w.udpPackets[e] += pk;
      const tf = b.tcpFlags[i] as number;
      if ((f & RowFlag.TCP) !== 0 && tf >= 0 && (tf & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN)) === TcpFlag.SYN) w.synOnly[e]++;
      const src = p.srcIp[i] as number;
      const pe = w.pairs.upsert(dst, src);
      if (pe < 0) {
        this.ctx.evicted(this.name);
      } else {
        if (w.pairs.added) {
          if (pe >= w.pairCount.length) {
            w.pairCount = ensureCapacity(w.pairCount, pe + 1);
            w.pairPort = ensureCapacity(w.pairPort, pe + 1);
          }
          w.pairCount[pe] = 0;
          w.sources[e]++;
        }
        // connection floods hit one service; rows whose direction is ambiguous (both ports ephemeral) are left out
        if ((f & RowFlag.AMBIGUOUS) === 0) {
          const key = portKey(b.dstPort[i] as number, b.protocol[i] as number);
          // Boyer-Moore majority port of this source
          const pc = w.pairCount[pe] as number;
          if (pc === 0) {
            w.pairPort[pe] = key;
            w.pairCount[pe] = 1;
          } else if (w.pairPort[pe] === key) {
            w.pairCount[pe] = pc + 1;
            if (pc + 1 > (w.topSrcCount[e] as number)) {
              w.topSrcCount[e] = pc + 1;
              w.topSrc[e] = src;
              w.topSrcPort[e] = key;
            }
          } else {
            w.pairCount[pe] = pc - 1;
          }
          if ((w.topSrcCount[e] as number) === 0) {
            w.topSrcCount[e] = 1;
            w.topSrc[e] = src;
            w.topSrcPort[e] = key;
          }
          // Misra-Gries with two counters over the destination's ports
          if (w.portA[e] === key && (w.countA[e] as number) > 0) w.countA[e]++;
          else if (w.portB[e] === key && (w.countB[e] as number) > 0) w.countB[e]++;
          else if ((w.countA[e] as number) === 0) {
            w.portA[e] = key;
            w.countA[e] = 1;
          } else if ((w.countB[e] as number) === 0) {
            w.portB[e] = key;
            w.countB[e] = 1;
          } else {
            w.countA[e]--;
            w.countB[e]--;
          }
        }
      }
      if (start < (w.first[e] as number)) w.first[e] = start;
      const end = b.end[i] as number;
      if (end > (w.last[e] as number)) w.last[e] = end;
      w.evidence.sample(e, p, i, (w.records[e] as number) >= hotAt ? w.evidence.limit : 2);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, start, end) => this.close(w, start, end, out));
  }

  private close(w: DdosWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const sec = c.windowSec;
    const values = this.values;
    // no trigger can fire below floor × threshold (relative triggers need that much too): a cheap pre-check
    const f = c.relativeFloorFraction;
    for (let e = 0; e < w.dsts.size; e++) {
      const be = this.baselines.entry(w.dsts.key(e, 0));
      const packets = w.packets[e] as number;
      values[M_RECORDS] = w.topPortCount(e);
      values[M_PACKETS] = packets;
      values[M_SOURCES] = w.sources[e] as number;
      values[M_TOP_SOURCE] = w.topSrcCount[e] as number;
      const possible =
        packets / sec >= f * c.minPacketsPerSec || (w.udpPackets[e] as number) / sec >= f * c.udpMinPacketsPerSec || (w.synOnly[e] as number) >= f * c.synFloodMinRecords ||
        (values[M_SOURCES] as number) >= f * c.manySourcesMin || (values[M_TOP_SOURCE] as number) >= f * c.connFloodPerSourceMin || (values[M_RECORDS] as number) >= f * c.connFloodTotalMin;
      if (possible) this.judge(w, e, be, start, end, out);
      if (be >= 0) this.baselines.update(be, start, values);
      else this.ctx.evicted(this.name);
    }
  }

  private readonly values = new Float64Array(4);

  /** Evaluate every trigger of one destination; on a finding, keep the flood out of the baseline (values is updated in place). */
  private judge(w: DdosWindow, e: number, be: number, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const sec = c.windowSec;
    const values = this.values;
    const warm = be >= 0 && this.baselines.age(be, start) >= c.warmupWindows;
    const base = (m: number) => (be >= 0 ? this.baselines.baseline(be, m, start) : 0);
    const triggers: Trigger[] = [];
    const check = (kind: string, value: number, threshold: number, baseline: number | null, mitre: string, metric: number) => {
      if (value >= threshold) triggers.push({ kind, value, threshold, relative: false, mitre, metric });
      // a ratio over a near-zero baseline is noise: relative triggers need an established level
      else if (baseline !== null && warm && c.relativeFactor * baseline >= c.relativeFloorFraction * threshold && value >= c.relativeFactor * baseline) {
        triggers.push({ kind, value, threshold: c.relativeFactor * baseline, relative: true, mitre, metric });
      }
    };
    check('packet-rate', (values[M_PACKETS] as number) / sec, c.minPacketsPerSec, base(M_PACKETS) / sec, 'T1498.001', M_PACKETS);
    check('udp-flood', (w.udpPackets[e] as number) / sec, c.udpMinPacketsPerSec, null, 'T1498.001', -1);
    check('syn-flood', w.synOnly[e] as number, c.synFloodMinRecords, null, 'T1499.001', -1);
    check('many-sources', values[M_SOURCES] as number, c.manySourcesMin, base(M_SOURCES), 'T1498', M_SOURCES);
    check('connection-flood-source', values[M_TOP_SOURCE] as number, c.connFloodPerSourceMin, base(M_TOP_SOURCE), 'T1499.002', M_TOP_SOURCE);
    check('connection-flood', values[M_RECORDS] as number, c.connFloodTotalMin, base(M_RECORDS), 'T1499.002', M_RECORDS);
    if (triggers.length === 0) return;
    out.push(this.describe(w, e, start, end, triggers, warm));
    // clip what enters the baseline so an ongoing flood does not teach itself as normal
    for (const t of triggers) if (t.metric >= 0) values[t.metric] = base(t.metric);
  }

  private describe(w: DdosWindow, e: number, start: number, end: number, triggers: Trigger[], warm: boolean): Candidate {
    const ctx = this.ctx;
    const dst = ctx.ips.str(w.dsts.key(e, 0));
    const records = w.records[e] as number;
    const top = w.topSrcCount[e] as number;
    const dominant = top >= 0.5 * records;
    const actor = dominant ? ctx.ips.str(w.topSrc[e] as number) : null;
    const primary = triggers.reduce((a, t) => (t.value / t.threshold > a.value / a.threshold ? t : a));
    const ratio = primary.value / primary.threshold;
    const portK = primary.kind === 'connection-flood-source' ? (w.topSrcPort[e] as number) : w.topPort(e);
    const port = portOf(portK);
    const protocol = portK >> 16 ? 17 : 6;
    const relativeOnly = triggers.every((t) => t.relative);
    const mitre = [...new Set(triggers.map((t) => t.mitre))];
    const kinds = triggers.map((t) => t.kind).join(', ');
    return {
      detector: this.id,
      entity: dst,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.first[e] as number,
      lastSeen: w.last[e] as number,
      severity: raiseSeverity(this.cfg.severity, decades(primary.value, primary.threshold) + (relativeOnly ? -1 : 0)),
      confidence: ratioConfidence(ratio) * (relativeOnly ? 0.8 : 1) * (warm || !relativeOnly ? 1 : 0.8),
      score: Math.round(ratio * 100) / 100,
      magnitude: records,
      actor,
      targets: [dst],
      ports: [port],
      protocol,
      mitre,
      summary: `${kinds} against ${dst}:${port}/${protocol === 17 ? 'udp' : 'tcp'}: ${records} connections from ${w.sources[e]} source(s) in ${this.cfg.windowSec} s, ${Math.round((w.packets[e] as number) / this.cfg.windowSec)} packets/s` +
        (actor ? `; ${actor} opened ${top}` : ''),
      signals: [
        ...triggers.map((t) => signal(t.kind, t.value, round(t.threshold), t.relative ? 'relative to the destination baseline' : 'absolute threshold')),
        signal('records', records),
        signal('sources', w.sources[e] as number),
        signal('packetsPerSec', (w.packets[e] as number) / this.cfg.windowSec),
        signal('bytes', w.bytes[e] as number),
        signal('baselineWarm', warm ? 1 : 0),
      ],
      evidence: w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }

  maintain(watermark: number): void {
    this.baselines.expire(watermark - this.cfg.baselineTtlSec);
  }

  stateSize(): number {
    let n = this.baselines.size;
    this.windows.forEachOpen((w) => (n += w.pairs.size));
    return n;
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
