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
import { portKey, portOf } from './fanout';

/**
 * Per destination: totals, and the busiest port found with a two-counter
 * Misra-Gries summary (any port carrying over a third of the records is kept,
 * with a count that is a lower bound of its true count). Per (destination,
 * source): one Boyer-Moore majority port and its count, which gives distinct
 * sources exactly and a one-service connection count per source without a
 * table per port: a port scan (one probe per port) never concentrates on one.
 */
/** per-destination record layout (doubles), one record per destination: a row touches one or two cache lines */
const D_RECORDS = 0;
const D_PACKETS = 1;
const D_BYTES = 2;
const D_SYN_ONLY = 3;
const D_UDP_PACKETS = 4;
const D_SOURCES = 5;
const D_TOP_SRC = 6;
const D_TOP_SRC_COUNT = 7;
const D_TOP_SRC_PORT = 8;
const D_PORT_A = 9;
const D_COUNT_A = 10;
const D_PORT_B = 11;
const D_COUNT_B = 12;
const D_FIRST = 13;
const D_LAST = 14;
/** packets that look like a flood: UDP, rejected, or TCP without payload (bulk TCP transfers have ~1,400-byte packets) */
const D_FLOOD_PACKETS = 15;
/** the source sending the most packets, and how many */
const D_TOP_PK_SRC = 16;
const D_TOP_PK = 17;
const DS = 18;
/** per (dst, src) pair: majority port, its Boyer-Moore count, packets, 1 + the ENI whose rows count for an east-west pair */
const PP = 4;

class DdosWindow {
  readonly dsts: KeyIndex;
  /** (dst, src) */
  readonly pairs: KeyIndex;
  pp = new Float64Array(64 * PP);
  d = new Float64Array(64 * DS);
  readonly evidence: EvidenceSampler;

  constructor(max: number, maxEvidence: number) {
    this.dsts = new KeyIndex(1, 64, max);
    this.pairs = new KeyIndex(2, 64, max);
    this.evidence = new EvidenceSampler(maxEvidence);
  }

  /** the busiest port of a destination and its (lower-bound) count */
  topPort(e: number): number {
    const o = e * DS;
    return (this.d[o + D_COUNT_A] as number) >= (this.d[o + D_COUNT_B] as number) ? (this.d[o + D_PORT_A] as number) : (this.d[o + D_PORT_B] as number);
  }

  topPortCount(e: number): number {
    return Math.max(this.d[e * DS + D_COUNT_A] as number, this.d[e * DS + D_COUNT_B] as number);
  }

  get(e: number, field: number): number {
    return this.d[e * DS + field] as number;
  }

  reset(): void {
    this.d.fill(0, 0, this.dsts.size * DS);
    this.dsts.clear();
    this.pairs.clear();
    this.evidence.clear();
  }
}

const EAST_WEST = RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL;

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
      if (w.dsts.added && w.dsts.size * DS > w.d.length) w.d = ensureCapacity(w.d, w.dsts.size * DS);
      if (w.dsts.added) {
        w.d[e * DS + D_FIRST] = start;
        w.d[e * DS + D_LAST] = b.end[i] as number;
      }
      const src = p.srcIp[i] as number;
      const pe = w.pairs.upsert(dst, src);
      if (pe >= 0) {
        if (w.pairs.added) {
          if ((pe + 1) * PP > w.pp.length) w.pp = ensureCapacity(w.pp, (pe + 1) * PP);
          w.pp[pe * PP + 1] = 0;
          w.pp[pe * PP + 2] = 0;
          w.pp[pe * PP + 3] = 0;
          w.d[e * DS + D_SOURCES]++;
        }
        if ((f & EAST_WEST) === EAST_WEST) {
          // flow logs on both workloads record an east-west connection twice (the source's ENI and the
          // destination's, same 5-tuple): counted as records, a proxy's 50 connections a minute were a
          // 100/min flood. Per pair and window, only the rows of the first ENI that logged it count.
          const eni = (p.eni[i] as number) + 1;
          const first = w.pp[pe * PP + 3] as number;
          if (first === 0) w.pp[pe * PP + 3] = eni;
          else if (first !== eni) continue;
        }
      }
      const pk = Math.max(0, b.packets[i] as number);
      w.d[e * DS + D_RECORDS]++;
      w.d[e * DS + D_PACKETS] += pk;
      const bytes = Math.max(0, b.bytes[i] as number);
      w.d[e * DS + D_BYTES] += bytes;
      if (f & RowFlag.UDP) w.d[e * DS + D_UDP_PACKETS] += pk;
      const floodLike = (f & (RowFlag.UDP | RowFlag.REJECT)) !== 0 || bytes < pk * 100;
      if (floodLike) w.d[e * DS + D_FLOOD_PACKETS] += pk;
      const tf = b.tcpFlags[i] as number;
      if ((f & RowFlag.TCP) !== 0 && tf >= 0 && (tf & (TcpFlag.SYN | TcpFlag.ACK | TcpFlag.FIN)) === TcpFlag.SYN) w.d[e * DS + D_SYN_ONLY]++;
      if (pe < 0) {
        this.ctx.evicted(this.name);
      } else {
        if (floodLike) {
          const spk = (w.pp[pe * PP + 2] as number) + pk;
          w.pp[pe * PP + 2] = spk;
          if (spk > (w.d[e * DS + D_TOP_PK] as number)) {
            w.d[e * DS + D_TOP_PK] = spk;
            w.d[e * DS + D_TOP_PK_SRC] = src;
          }
        }
        // connection floods hit one service; rows whose direction is ambiguous (both ports ephemeral) are left out
        if ((f & RowFlag.AMBIGUOUS) === 0) {
          const key = portKey(b.dstPort[i] as number, b.protocol[i] as number);
          // Boyer-Moore majority port of this source
          const pc = w.pp[pe * PP + 1] as number;
          if (pc === 0) {
            w.pp[pe * PP] = key;
            w.pp[pe * PP + 1] = 1;
          } else if (w.pp[pe * PP] === key) {
            w.pp[pe * PP + 1] = pc + 1;
            if (pc + 1 > (w.d[e * DS + D_TOP_SRC_COUNT] as number)) {
              w.d[e * DS + D_TOP_SRC_COUNT] = pc + 1;
              w.d[e * DS + D_TOP_SRC] = src;
              w.d[e * DS + D_TOP_SRC_PORT] = key;
            }
          } else {
            w.pp[pe * PP + 1] = pc - 1;
          }
          if ((w.d[e * DS + D_TOP_SRC_COUNT] as number) === 0) {
            w.d[e * DS + D_TOP_SRC_COUNT] = 1;
            w.d[e * DS + D_TOP_SRC] = src;
            w.d[e * DS + D_TOP_SRC_PORT] = key;
          }
          // Misra-Gries with two counters over the destination's ports
          if (w.d[e * DS + D_PORT_A] === key && (w.d[e * DS + D_COUNT_A] as number) > 0) w.d[e * DS + D_COUNT_A]++;
          else if (w.d[e * DS + D_PORT_B] === key && (w.d[e * DS + D_COUNT_B] as number) > 0) w.d[e * DS + D_COUNT_B]++;
          else if ((w.d[e * DS + D_COUNT_A] as number) === 0) {
            w.d[e * DS + D_PORT_A] = key;
            w.d[e * DS + D_COUNT_A] = 1;
          } else if ((w.d[e * DS + D_COUNT_B] as number) === 0) {
            w.d[e * DS + D_PORT_B] = key;
            w.d[e * DS + D_COUNT_B] = 1;
          } else {
            w.d[e * DS + D_COUNT_A]--;
            w.d[e * DS + D_COUNT_B]--;
          }
        }
      }
      if (start < (w.d[e * DS + D_FIRST] as number)) w.d[e * DS + D_FIRST] = start;
      const end = b.end[i] as number;
      if (end > (w.d[e * DS + D_LAST] as number)) w.d[e * DS + D_LAST] = end;
      w.evidence.sample(e, p, i, (w.d[e * DS + D_RECORDS] as number) >= hotAt ? w.evidence.limit : 2);
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
      const packets = w.d[e * DS + D_FLOOD_PACKETS] as number;
      values[M_RECORDS] = w.topPortCount(e);
      values[M_PACKETS] = packets;
      values[M_SOURCES] = w.d[e * DS + D_SOURCES] as number;
      values[M_TOP_SOURCE] = w.d[e * DS + D_TOP_SRC_COUNT] as number;
      const possible =
        packets / sec >= f * c.minPacketsPerSec || (w.d[e * DS + D_UDP_PACKETS] as number) / sec >= f * c.udpMinPacketsPerSec || (w.d[e * DS + D_SYN_ONLY] as number) >= f * c.synFloodMinRecords ||
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
    const over = c.absoluteMinOverBaseline;
    const check = (kind: string, value: number, threshold: number, baseline: number | null, mitre: string, metric: number) => {
      // an absolute level that is this destination's normal (a busy public endpoint) is not a flood: once its
      // baseline is warm, an absolute trigger also needs the value well above that baseline
      const usual = baseline !== null && warm && over > 0 && value < over * baseline;
      if (value >= threshold && !usual) triggers.push({ kind, value, threshold, relative: false, mitre, metric });
      // a ratio over a near-zero baseline is noise: relative triggers need an established level
      else if (baseline !== null && warm && c.relativeFactor * baseline >= c.relativeFloorFraction * threshold && value >= c.relativeFactor * baseline) {
        triggers.push({ kind, value, threshold: c.relativeFactor * baseline, relative: true, mitre, metric });
      }
    };
    check('packet-rate', (values[M_PACKETS] as number) / sec, c.minPacketsPerSec, base(M_PACKETS) / sec, 'T1498.001', M_PACKETS);
    check('udp-flood', (w.d[e * DS + D_UDP_PACKETS] as number) / sec, c.udpMinPacketsPerSec, null, 'T1498.001', -1);
    check('syn-flood', w.d[e * DS + D_SYN_ONLY] as number, c.synFloodMinRecords, null, 'T1499.001', -1);
    check('many-sources', values[M_SOURCES] as number, c.manySourcesMin, base(M_SOURCES), 'T1498', M_SOURCES);
    check('connection-flood-source', values[M_TOP_SOURCE] as number, c.connFloodPerSourceMin, base(M_TOP_SOURCE), 'T1499.002', M_TOP_SOURCE);
    check('connection-flood', values[M_RECORDS] as number, c.connFloodTotalMin, base(M_RECORDS), 'T1499.002', M_RECORDS);
    if (triggers.length === 0) return;
    out.push(this.describe(w, e, start, end, triggers, warm));
    // clip what enters the baseline so an ongoing flood does not teach itself as normal; during warm-up
    // there is no normal to protect yet, and clipping to a baseline of 0 would keep a destination that is
    // over an absolute threshold from its first window (a busy public endpoint) from ever learning its level
    if (warm) for (const t of triggers) if (t.metric >= 0) values[t.metric] = base(t.metric);
  }

  private describe(w: DdosWindow, e: number, start: number, end: number, triggers: Trigger[], warm: boolean): Candidate {
    const ctx = this.ctx;
    const dst = ctx.ips.str(w.dsts.key(e, 0));
    const records = w.d[e * DS + D_RECORDS] as number;
    const top = w.d[e * DS + D_TOP_SRC_COUNT] as number;
    const primary = triggers.reduce((a, t) => (t.value / t.threshold > a.value / a.threshold ? t : a));
    // volumetric floods name the source of most packets, connection floods the source of most connections
    const volumetric = primary.kind === 'packet-rate' || primary.kind === 'udp-flood' || primary.kind === 'syn-flood';
    const dominant = volumetric ? (w.d[e * DS + D_TOP_PK] as number) >= 0.5 * (w.d[e * DS + D_FLOOD_PACKETS] as number) : top >= 0.5 * records;
    // a per-source connection flood names its source even on a busy target where it is not the majority
    const perSource = triggers.some((t) => t.kind === 'connection-flood-source');
    const actorId = dominant ? (w.d[e * DS + (volumetric ? D_TOP_PK_SRC : D_TOP_SRC)] as number) : perSource ? (w.d[e * DS + D_TOP_SRC] as number) : -1;
    const actor = actorId >= 0 ? ctx.ips.str(actorId) : null;
    const ratio = primary.value / primary.threshold;
    const portK = primary.kind === 'connection-flood-source' ? (w.d[e * DS + D_TOP_SRC_PORT] as number) : w.topPort(e);
    const udp = primary.kind === 'udp-flood';
    const port = portOf(portK);
    const protocol = udp || portK >> 16 ? 17 : 6;
    const relativeOnly = triggers.every((t) => t.relative);
    const mitre = [...new Set(triggers.map((t) => t.mitre))];
    const kinds = triggers.map((t) => t.kind).join(', ');
    return {
      detector: this.id,
      // a flood one source drives and a flood many sources drive are two findings (block an address vs.
      // absorb a botnet): one episode per destination would carry the first one's actor over the other
      entity: actor ? `${actor}>${dst}` : dst,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.d[e * DS + D_FIRST] as number,
      lastSeen: w.d[e * DS + D_LAST] as number,
      severity: raiseSeverity(this.cfg.severity, decades(primary.value, primary.threshold) + (relativeOnly ? -1 : 0)),
      confidence: ratioConfidence(ratio) * (relativeOnly ? 0.8 : 1) * (warm || !relativeOnly ? 1 : 0.8),
      score: Math.round(ratio * 100) / 100,
      magnitude: records,
      actor,
      targets: [dst],
      ports: [port],
      protocol,
      mitre,
      summary: `${kinds} against ${dst}:${port}/${protocol === 17 ? 'udp' : 'tcp'}: ${records} connections from ${w.d[e * DS + D_SOURCES]} source(s) in ${this.cfg.windowSec} s, ${Math.round((w.d[e * DS + D_PACKETS] as number) / this.cfg.windowSec)} packets/s` +
        (actor ? `; ${actor} opened ${top}` : ''),
      signals: [
        ...triggers.map((t) => signal(t.kind, t.value, round(t.threshold), t.relative ? 'relative to the destination baseline' : 'absolute threshold')),
        signal('records', records),
        signal('sources', w.d[e * DS + D_SOURCES] as number),
        signal('packetsPerSec', (w.d[e * DS + D_PACKETS] as number) / this.cfg.windowSec),
        signal('bytes', w.d[e * DS + D_BYTES] as number),
        signal('baselineWarm', warm ? 1 : 0),
      ],
      evidence: () => w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }

  release(): void {
    this.windows.release();
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
