/**
 * exfiltration: bytes leaving a workload for one external destination per
 * window, against the workload's own baseline (EWMA of its total egress) and
 * an absolute floor; plus single huge flows. Response records count too: data
 * pulled from our server leaves just the same. Keyed by source.
 */
import type { ExfiltrationConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { EwmaBaselines } from '../state/ewma';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { Mark } from '@flowguard/contracts';
import { IpAttr } from '../engine/ip-registry';
import { type Candidate, type Detector, type EngineContext, decades, hopOf, raiseSeverity, ratioConfidence, signal } from './detector';

/** per-pair record layout (doubles): one record per (source, destination) */
export const X_BYTES = 0;
export const X_PACKETS = 1;
export const X_RECORDS = 2;
export const X_MAX_RECORD = 3;
export const X_FIRST = 4;
export const X_LAST = 5;
export const XS = 6;

export class ExfilWindow {
  readonly pairs = new KeyIndex(2, 64, 1 << 22);
  x = new Float64Array(64 * XS);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  reset(): void {
    this.x.fill(0, 0, this.pairs.size * XS);
    this.pairs.clear();
    this.evidence.clear();
  }
  /** Adds row i of the batch to the (src, dst) pair; returns the pair's slot, or -1 when the pair table is full. */
  add(src: number, dst: number, b: PreparedBatch['batch'], i: number): number {
    const e = this.pairs.upsert(src, dst);
    if (e < 0) return -1;
    const o = e * XS;
    const start = b.start[i] as number;
    const end = b.end[i] as number;
    const bytes = b.bytes[i] as number;
    if (this.pairs.added) {
      if (o + XS > this.x.length) this.x = ensureCapacity(this.x, o + XS);
      this.x[o + X_FIRST] = start;
      this.x[o + X_LAST] = end;
    }
    const x = this.x;
    x[o + X_BYTES] += bytes;
    x[o + X_PACKETS] += Math.max(0, b.packets[i] as number);
    x[o + X_RECORDS]++;
    if (bytes > (x[o + X_MAX_RECORD] as number)) x[o + X_MAX_RECORD] = bytes;
    if (start < (x[o + X_FIRST] as number)) x[o + X_FIRST] = start;
    if (end > (x[o + X_LAST] as number)) x[o + X_LAST] = end;
    return e;
  }
}

export const TOTAL = -1;
// module-level copy: the contracts barrel re-exports through getters
export const MARK_DST_AWS_SERVICE = Mark.DST_AWS_SERVICE;

/**
 * Whether row i is egress the exfiltration tiers count: from one of ours to a unicast host
 * that is not ours, with bytes, and, when configured, not to an AWS service endpoint: uploads
 * to AWS services (S3 backups, ...) are what instances do all day; whose bucket it is cannot be
 * read from flow logs (T1537 needs CloudTrail/S3 data events).
 */
export function isCountedEgress(p: PreparedBatch, i: number, ignoreAwsServiceDestinations: boolean): boolean {
  const f = p.flags[i] as number;
  if ((f & (RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL | RowFlag.DST_NON_UNICAST)) !== RowFlag.SRC_LOCAL) return false;
  if (!((p.batch.bytes[i] as number) > 0)) return false;
  return !(ignoreAwsServiceDestinations && ((p.batch.marks[i] as number) & MARK_DST_AWS_SERVICE) !== 0);
}

export class ExfiltrationDetector implements Detector {
  readonly id = 'exfiltration' as const;
  readonly name = 'exfiltration';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<ExfilWindow>;
  private readonly baselines: EwmaBaselines;
  private readonly totals = new KeyIndex(1, 1024, 1 << 22);
  private totalBytes = new Float64Array(1024);
  private totalMax = new Float64Array(1024);

  constructor(private readonly ctx: EngineContext, private readonly cfg: ExfiltrationConfig) {
    this.windows = new TumblingWindows(cfg.windowSec, () => new ExfilWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset(), hopOf(cfg.windowSec, ctx.config.tickSec));
    this.baselines = new EwmaBaselines(1, cfg.ewmaAlpha, cfg.windowSec, ctx.config.state.maxEntriesPerTable);
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const hot = this.cfg.minBytes / 2;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      if (!isCountedEgress(p, i, this.cfg.ignoreAwsServiceDestinations)) continue;
      const bytes = b.bytes[i] as number;
      const start = b.start[i] as number;
      const src = p.srcIp[i] as number;
      const dst = p.dstIp[i] as number;
      for (let h = 0; h < this.windows.span; h++) {
        const w = this.windows.atHop(start, h);
        const e = w.add(src, dst, b, i);
        if (e < 0) {
          this.ctx.evicted(this.name);
          continue;
        }
        // keep the biggest movers' records: sample once the pair is half way to the floor
        if ((w.x[e * XS + X_BYTES] as number) >= hot || bytes >= this.cfg.singleFlowBytes) w.evidence.sample(e, p, i);
      }
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: ExfilWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    // overlapping windows all get judged; only the non-overlapping subset feeds the baselines
    const aligned = start % c.windowSec === 0;
    const v = new Float64Array(1);
    // per-source totals of this window, summed from its pairs (cheaper than a second table per record)
    const totals = this.totals;
    totals.clear();
    let totalBytes = this.totalBytes;
    let totalMax = this.totalMax;
    for (let e = 0; e < w.pairs.size; e++) {
      const t = totals.upsert(w.pairs.key(e, 0));
      if (totals.added) {
        if (t >= totalBytes.length) {
          totalBytes = this.totalBytes = ensureCapacity(totalBytes, t + 1);
          totalMax = this.totalMax = ensureCapacity(totalMax, t + 1);
        }
        totalBytes[t] = 0;
        totalMax[t] = 0;
      }
      totalBytes[t] = (totalBytes[t] as number) + (w.x[e * XS + X_BYTES] as number);
      if ((w.x[e * XS + X_MAX_RECORD] as number) > (totalMax[t] as number)) totalMax[t] = w.x[e * XS + X_MAX_RECORD] as number;
    }
    const srcBaseline = new Map<number, { base: number; warm: boolean; total: number }>();
    for (let t = 0; t < totals.size; t++) {
      const src = totals.key(t, 0);
      const total = totalBytes[t] as number;
      // only sources that moved enough to matter need their baseline read now (all are updated below)
      if (total < c.minBytes && (totalMax[t] as number) < c.singleFlowBytes) continue;
      const be = this.baselines.entry(src, TOTAL);
      srcBaseline.set(src, be >= 0 ? { base: this.baselines.baseline(be, 0, start), warm: this.baselines.age(be, start) >= c.warmupWindows, total } : { base: 0, warm: false, total });
    }
    for (let e = 0; e < w.pairs.size; e++) {
      const bytes = w.x[e * XS + X_BYTES] as number;
      const maxRecord = w.x[e * XS + X_MAX_RECORD] as number;
      const src = w.pairs.key(e, 0);
      const dst = w.pairs.key(e, 1);
      const sb = srcBaseline.get(src);
      if (!sb) {
        // nothing to judge: only keep the pair's baseline moving if it has one
        const pe0 = this.baselines.find(src, dst);
        if (pe0 >= 0 && aligned) {
          v[0] = bytes;
          this.baselines.update(pe0, start, v);
        }
        continue;
      }
      const pe = bytes >= c.minBytes / 10 ? this.baselines.entry(src, dst) : this.baselines.find(src, dst);
      const pairBase = pe >= 0 ? this.baselines.baseline(pe, 0, start) : 0;
      const pairWarm = pe >= 0 && this.baselines.age(pe, start) >= c.warmupWindows;
      let kind: string | null = null;
      let threshold = c.minBytes;
      if (maxRecord >= c.singleFlowBytes) {
        kind = 'single-flow';
        threshold = c.singleFlowBytes;
      } else if (bytes >= c.minBytes) {
        if (!sb.warm) {
          if (bytes >= c.coldMinBytes) {
            kind = 'volume (no baseline yet)';
            threshold = c.coldMinBytes;
          }
        } else if (sb.total >= c.relativeFactor * sb.base && !(pairWarm && bytes < c.relativeFactor * pairBase)) {
          kind = 'volume above baseline';
          threshold = Math.max(c.minBytes, c.relativeFactor * sb.base);
        }
      }
      if (kind) out.push(this.describe(w, e, start, end, kind, threshold, sb, pairBase));
      if (pe >= 0 && aligned) {
        v[0] = kind ? pairBase : bytes; // an exfiltration does not teach itself as normal
        this.baselines.update(pe, start, v);
      }
    }
    if (aligned) {
      for (let t = 0; t < totals.size; t++) {
        const src = totals.key(t, 0);
        const total = totalBytes[t] as number;
        const be = this.baselines.entry(src, TOTAL);
        if (be < 0) continue;
        const sb = srcBaseline.get(src);
        v[0] = sb && sb.warm && total >= c.relativeFactor * sb.base ? sb.base : total;
        this.baselines.update(be, start, v);
      }
    }
  }

  private describe(w: ExfilWindow, e: number, start: number, end: number, kind: string, threshold: number, sb: { base: number; warm: boolean; total: number }, pairBase: number): Candidate {
    const ctx = this.ctx;
    const srcId = w.pairs.key(e, 0);
    const dstId = w.pairs.key(e, 1);
    const src = ctx.ips.str(srcId);
    const dst = ctx.ips.str(dstId);
    const bytes = w.x[e * XS + X_BYTES] as number;
    const value = kind === 'single-flow' ? (w.x[e * XS + X_MAX_RECORD] as number) : bytes;
    // to an address on a threat list (C2 lists such as Feodo): exfiltration over the C2 channel
    const overC2 = ((ctx.ips.attrs[dstId] as number) & IpAttr.LISTED) !== 0;
    const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
    return {
      detector: this.id,
      entity: `${src}>${dst}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.x[e * XS + X_FIRST] as number,
      lastSeen: w.x[e * XS + X_LAST] as number,
      severity: raiseSeverity(this.cfg.severity, decades(value, threshold) + (overC2 ? 1 : 0)),
      confidence: ratioConfidence(value / threshold) * (kind === 'single-flow' ? 0.8 : 1),
      score: Math.round((value / threshold) * 100) / 100,
      magnitude: bytes,
      actor: src,
      targets: [dst],
      ports: [],
      mitre: overC2 ? ['T1041'] : ['T1048'],
      summary: `${src} sent ${mb(bytes)} to ${dst} in ${this.cfg.windowSec} s (${kind}; its usual total egress ${mb(sb.base)} per window)` +
        (overC2 ? '; the destination is on a threat list' : ''),
      signals: [
        signal('bytesOut', bytes, Math.round(threshold)),
        signal('largestRecordBytes', w.x[e * XS + X_MAX_RECORD] as number, this.cfg.singleFlowBytes),
        signal('sourceTotalBytes', sb.total),
        signal('sourceBaselineBytes', sb.base, undefined, sb.warm ? 'EWMA, warm' : 'not enough history'),
        signal('pairBaselineBytes', pairBase),
        signal('records', w.x[e * XS + X_RECORDS] as number),
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
    return this.baselines.size;
  }
}
