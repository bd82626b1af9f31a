/**
 * exfiltration, slow tier: a workload trickling data to one internet host under the 10-minute
 * floor (150 MB an hour for ten hours never reaches 100 MB in 10 minutes). Tumbling
 * slowWindowSec windows of bytes per (source, destination), one pair upsert per egress row; the
 * judgement is relative to the source's own total egress per slow window (EWMA, its own
 * baseline table at this granularity, so the 10-minute tier's baseline is not involved): the
 * pair moved ≥ slowMinBytes and the source's window total is ≥ relativeFactor × its baseline, or,
 * with no warm baseline, the pair moved ≥ slowColdMinBytes. A sustained trickle teaches itself as
 * normal only slowly (alpha 0.1 per hour) and never while it is being flagged.
 */
import type { ExfiltrationConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { IpAttr } from '../engine/ip-registry';
import { EwmaBaselines } from '../state/ewma';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, decades, raiseSeverity, ratioConfidence, signal } from './detector';
import { ExfilWindow, TOTAL, XS, X_BYTES, X_FIRST, X_LAST, X_RECORDS, isCountedEgress } from './exfiltration.detector';

export class ExfiltrationSlowDetector implements Detector {
  readonly id = 'exfiltration' as const;
  readonly name = 'exfiltration/slow';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<ExfilWindow>;
  private readonly baselines: EwmaBaselines;
  private readonly totals = new KeyIndex(1, 1024, 1 << 22);
  private totalBytes = new Float64Array(1024);
  private readonly v = new Float64Array(1);

  constructor(private readonly ctx: EngineContext, private readonly cfg: ExfiltrationConfig) {
    this.windows = new TumblingWindows(cfg.slowWindowSec, () => new ExfilWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset());
    this.baselines = new EwmaBaselines(1, cfg.ewmaAlpha, cfg.slowWindowSec, ctx.config.state.maxEntriesPerTable);
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const hot = this.cfg.slowMinBytes / 2;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      if (!isCountedEgress(p, i, this.cfg.ignoreAwsServiceDestinations)) continue;
      const w = this.windows.at(b.start[i] as number);
      const e = w.add(p.srcIp[i] as number, p.dstIp[i] as number, b, i);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if ((w.x[e * XS + X_BYTES] as number) >= hot) w.evidence.sample(e, p, i);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: ExfilWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const totals = this.totals;
    totals.clear();
    for (let e = 0; e < w.pairs.size; e++) {
      const t = totals.upsert(w.pairs.key(e, 0));
      if (t < 0) continue;
      if (totals.added) {
        this.totalBytes = ensureCapacity(this.totalBytes, t + 1);
        this.totalBytes[t] = 0;
      }
      this.totalBytes[t] = (this.totalBytes[t] as number) + (w.x[e * XS + X_BYTES] as number);
    }
    // judge the pairs over the floor against their source's baseline as of this window
    const flagged = new Set<number>();
    for (let e = 0; e < w.pairs.size; e++) {
      const bytes = w.x[e * XS + X_BYTES] as number;
      if (bytes < c.slowMinBytes) continue;
      const src = w.pairs.key(e, 0);
      const be = this.baselines.entry(src, TOTAL);
      if (be < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      const total = this.totalBytes[totals.find(src)] as number;
      const base = this.baselines.baseline(be, 0, start);
      const warm = this.baselines.age(be, start) >= c.slowWarmupWindows;
      const threshold = warm ? Math.max(c.slowMinBytes, c.relativeFactor * base) : c.slowColdMinBytes;
      if ((warm ? total : bytes) < threshold) continue;
      flagged.add(src);
      out.push(this.describe(w, e, start, end, threshold, total, base, warm));
    }
    // every source's window total feeds its baseline; a flagged window of a warm source feeds the old level
    for (let t = 0; t < totals.size; t++) {
      const src = totals.key(t, 0);
      const be = this.baselines.entry(src, TOTAL);
      if (be < 0) continue;
      const warm = this.baselines.age(be, start) >= this.cfg.slowWarmupWindows;
      this.v[0] = flagged.has(src) && warm ? this.baselines.baseline(be, 0, start) : (this.totalBytes[t] as number);
      this.baselines.update(be, start, this.v);
    }
  }

  private describe(w: ExfilWindow, e: number, start: number, end: number, threshold: number, total: number, base: number, warm: boolean): Candidate {
    const ctx = this.ctx;
    const c = this.cfg;
    const srcId = w.pairs.key(e, 0);
    const dstId = w.pairs.key(e, 1);
    const src = ctx.ips.str(srcId);
    const dst = ctx.ips.str(dstId);
    const bytes = w.x[e * XS + X_BYTES] as number;
    const value = warm ? total : bytes;
    const overC2 = ((ctx.ips.attrs[dstId] as number) & IpAttr.LISTED) !== 0;
    const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
    return {
      detector: this.id,
      entity: `${src}>${dst}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.x[e * XS + X_FIRST] as number,
      lastSeen: w.x[e * XS + X_LAST] as number,
      severity: raiseSeverity(c.severity, decades(value, threshold) + (overC2 ? 1 : 0)),
      confidence: ratioConfidence(value / threshold) * (warm ? 1 : 0.8),
      score: Math.round((value / threshold) * 100) / 100,
      magnitude: bytes,
      actor: src,
      targets: [dst],
      ports: [],
      mitre: overC2 ? ['T1041'] : ['T1030', 'T1048'],
      summary: `${src} sent ${mb(bytes)} to ${dst} in ${c.slowWindowSec} s (slow window; ` +
        (warm ? `its total egress ${mb(total)} against its usual ${mb(base)} per window` : 'no baseline yet') + ')' +
        (overC2 ? '; the destination is on a threat list' : ''),
      signals: [
        signal('bytesOut', bytes, c.slowMinBytes),
        signal('sourceTotalBytes', total, warm ? Math.round(threshold) : undefined),
        signal('sourceBaselineBytes', base, undefined, warm ? 'EWMA per slow window, warm' : 'not enough history'),
        signal('records', w.x[e * XS + X_RECORDS] as number),
        signal('windowSec', c.slowWindowSec, undefined, 'slow window'),
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
