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

class DdosWindow {
  readonly dsts: KeyIndex;
  /** (dst, src, port key) → connections */
  readonly pairs: KeyIndex;
  /** (dst, src) → distinct sources */
  readonly sourcesIdx: KeyIndex;
  /** (dst, port key) → connections */
  readonly portsIdx: KeyIndex;
  pairCount = new Int32Array(64);
  portCount = new Int32Array(64);
  records = new Int32Array(64);
  packets = new Float64Array(64);
  bytes = new Float64Array(64);
  synOnly = new Int32Array(64);
  udpPackets = new Float64Array(64);
  sources = new Int32Array(64);
  topSrc = new Int32Array(64);
  topSrcCount = new Int32Array(64);
  topSrcPort = new Int32Array(64);
  topPort = new Int32Array(64);
  topPortCount = new Int32Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  actorLocal = new Uint8Array(64);
  readonly evidence: EvidenceSampler;

  constructor(max: number, maxEvidence: number) {
    this.dsts = new KeyIndex(1, 64, max);
    this.pairs = new KeyIndex(3, 64, max);
    this.sourcesIdx = new KeyIndex(2, 64, max);
    this.portsIdx = new KeyIndex(2, 64, max);
    this.evidence = new EvidenceSampler(maxEvidence);
  }

  ensure(n: number): void {
    if (n <= this.records.length) return;
    for (const k of ['records', 'packets', 'bytes', 'synOnly', 'udpPackets', 'sources', 'topSrc', 'topSrcCount', 'topSrcPort', 'topPort', 'topPortCount', 'first', 'last', 'actorLocal'] as const) {
      (this as unknown as Record<string, Int32Array>)[k] = ensureCapacity(this[k] as Int32Array, n);
    }
  }

  reset(): void {
    const n = this.dsts.size;
    for (const a of [this.records, this.packets, this.bytes, this.synOnly, this.udpPackets, this.sources, this.topSrcCount, this.topPortCount, this.actorLocal]) a.fill(0, 0, n);
    this.pairCount.fill(0, 0, this.pairs.size);
    this.portCount.fill(0, 0, this.portsIdx.size);
    this.dsts.clear();
    this.pairs.clear();
    this.sourcesIdx.clear();
    this.portsIdx.clear();
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
      const key = portKey(b.dstPort[i] as number, b.protocol[i] as number);
      // distinct sources per destination (many-to-one)
      const se = w.sourcesIdx.upsert(dst, src);
      if (se >= 0 && w.sourcesIdx.added) w.sources[e]++;
      // connection floods hit one service: count per (destination, port) and per (destination, port, source),
      // so a port scan (one probe per port) never looks like a flood. Rows whose direction is
      // ambiguous (both ports ephemeral) are left out of these counts.
      if ((f & RowFlag.AMBIGUOUS) === 0) {
        const qe = w.portsIdx.upsert(dst, key);
        if (qe >= 0) {
          if (w.portsIdx.added) w.portCount = ensureCapacity(w.portCount, w.portsIdx.size);
          const c = ++w.portCount[qe];
          if (c > (w.topPortCount[e] as number)) {
            w.topPortCount[e] = c;
            w.topPort[e] = key;
          }
        }
        const pe = w.pairs.upsert(dst, src, key);
        if (pe >= 0) {
          if (w.pairs.added) w.pairCount = ensureCapacity(w.pairCount, w.pairs.size);
          const c = ++w.pairCount[pe];
          if (c > (w.topSrcCount[e] as number)) {
            w.topSrcCount[e] = c;
            w.topSrc[e] = src;
            w.topSrcPort[e] = key;
            w.actorLocal[e] = (f & RowFlag.SRC_LOCAL) !== 0 ? 1 : 0;
          }
        } else {
          this.ctx.evicted(this.name);
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
    const values = new Float64Array(4);
    for (let e = 0; e < w.dsts.size; e++) {
      const dst = w.dsts.key(e, 0);
      const be = this.baselines.entry(dst);
      const warm = be >= 0 && this.baselines.age(be, start) >= c.warmupWindows;
      const base = (m: number) => (be >= 0 ? this.baselines.baseline(be, m, start) : 0);
      const triggers: Trigger[] = [];
      const check = (kind: string, value: number, threshold: number, baseline: number | null, mitre: string) => {
        if (value >= threshold) triggers.push({ kind, value, threshold, relative: false, mitre });
        // a ratio over a near-zero baseline is noise: relative triggers need an established level
        else if (baseline !== null && warm && c.relativeFactor * baseline >= c.relativeFloorFraction * threshold && value >= c.relativeFactor * baseline) {
          triggers.push({ kind, value, threshold: c.relativeFactor * baseline, relative: true, mitre });
        }
      };
      const packets = w.packets[e] as number;
      const sources = w.sources[e] as number;
      const top = w.topSrcCount[e] as number;
      check('packet-rate', packets / sec, c.minPacketsPerSec, base(M_PACKETS) / sec, 'T1498.001');
      check('udp-flood', (w.udpPackets[e] as number) / sec, c.udpMinPacketsPerSec, null, 'T1498.001');
      check('syn-flood', w.synOnly[e] as number, c.synFloodMinRecords, null, 'T1499.001');
      check('many-sources', sources, c.manySourcesMin, base(M_SOURCES), 'T1498');
      check('connection-flood-source', top, c.connFloodPerSourceMin, base(M_TOP_SOURCE), 'T1499.002');
      check('connection-flood', w.topPortCount[e] as number, c.connFloodTotalMin, base(M_RECORDS), 'T1499.002');
      values[M_RECORDS] = w.topPortCount[e] as number;
      values[M_PACKETS] = packets;
      values[M_SOURCES] = sources;
      values[M_TOP_SOURCE] = top;
      if (triggers.length > 0) {
        out.push(this.describe(w, e, start, end, triggers, warm));
        // clip what enters the baseline so an ongoing flood does not teach itself as normal
        for (const t of triggers) {
          const m = t.kind === 'packet-rate' ? M_PACKETS : t.kind === 'many-sources' ? M_SOURCES : t.kind === 'connection-flood-source' ? M_TOP_SOURCE : t.kind === 'connection-flood' ? M_RECORDS : -1;
          if (m >= 0) values[m] = base(m);
        }
      }
      if (be >= 0) this.baselines.update(be, start, values);
      else this.ctx.evicted(this.name);
    }
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
    const portK = primary.kind === 'connection-flood-source' ? (w.topSrcPort[e] as number) : (w.topPort[e] as number);
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
