/**
 * brute-force, slow tier: one source guessing at one login port of one target below the fast
 * window's rate (an attempt every 2-3 minutes for hours: Zeek's 30-in-30-min never sees it).
 * Attempts are counted exactly as in the fast tier (distinct source ports of short, payload-
 * carrying connections) over a tumbling slowWindowSec window; the judgement is relative to the
 * pair's own history: a (source, target) pair with a warm EWMA of attempts per slow window
 * (a monitoring job's SSH check every minute for days) fires only at slowRelativeFactor × that
 * level; a pair without one fires at slowMinAttempts. One extra pair upsert per login-port row.
 */
import type { BruteForceConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { EwmaBaselines } from '../state/ewma';
import { type BfWindow, BruteForceDetector, FOLLOW_ON, SERVICE } from './brute-force.detector';
import { type Candidate, type EngineContext, decades, raiseSeverity, ratioConfidence, signal } from './detector';

export class BruteForceSlowDetector extends BruteForceDetector {
  override readonly name: string = 'brute-force/slow';
  private readonly baselines: EwmaBaselines;
  private readonly v = new Float64Array(1);

  constructor(ctx: EngineContext, cfg: BruteForceConfig) {
    super(ctx, cfg, { size: cfg.slowWindowSec, hop: cfg.slowWindowSec });
    this.baselines = new EwmaBaselines(1, cfg.slowEwmaAlpha, cfg.slowWindowSec, ctx.config.state.maxEntriesPerTable);
  }

  protected override hot(w: BfWindow, e: number): boolean {
    return (w.attempts[e] as number) * 2 >= this.cfg.slowMinAttempts;
  }

  /** no spray aggregate in the slow tier: the fast tier's spraying covers many hosts at once */
  protected override alsoCount(_w: BfWindow, _p: PreparedBatch, _i: number, _f: number, _src: number, _dst: number, _port: number, _sport: number, _bytes: number, _start: number): void {
    /* none */
  }

  protected override close(w: BfWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    for (let e = 0; e < w.entities.size; e++) {
      const attempts = w.attempts[e] as number;
      if (attempts === 0) continue;
      const srcId = w.entities.key(e, 0);
      const dstId = w.entities.key(e, 1);
      // baselines only for pairs that made attempts: quiet windows decay them (EwmaBaselines)
      const be = this.baselines.entry(srcId, dstId);
      if (be < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      const base = this.baselines.baseline(be, 0, start);
      const warm = this.baselines.age(be, start) >= c.slowWarmupWindows;
      const threshold = warm ? Math.max(c.slowMinAttempts, c.slowRelativeFactor * base) : c.slowMinAttempts;
      const fires = attempts >= threshold;
      if (fires) out.push(this.describeSlow(w, e, start, end, attempts, threshold, base, warm));
      // once warm, a guessing run does not teach itself as the pair's normal; during warm-up there is no
      // normal to protect, and a new scheduled job must be able to become one
      this.v[0] = fires && warm ? base : attempts;
      this.baselines.update(be, start, this.v);
    }
  }

  override maintain(watermark?: number): void {
    if (watermark !== undefined) this.baselines.expire(watermark - this.cfg.slowBaselineTtlSec);
  }

  override stateSize(): number {
    return super.stateSize() + this.baselines.size;
  }

  private describeSlow(w: BfWindow, e: number, start: number, end: number, attempts: number, threshold: number, base: number, warm: boolean): Candidate {
    const c = this.cfg;
    const ctx = this.ctx;
    const src = ctx.ips.str(w.entities.key(e, 0));
    const dst = ctx.ips.str(w.entities.key(e, 1));
    const port = w.entities.key(e, 2);
    const local = (w.local[e] as number) === 1;
    const large = w.large[e] as number;
    const service = SERVICE[port] ?? `port ${port}`;
    const ratio = attempts / threshold;
    return {
      detector: this.id,
      entity: `${src}>${dst}:${port}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.first[e] as number,
      lastSeen: w.last[e] as number,
      severity: raiseSeverity(local ? c.severity : c.targetSeverity, decades(attempts, threshold) + (large > 0 ? 1 : 0)),
      confidence: ratioConfidence(ratio) * (warm ? 1 : 0.9),
      score: Math.round(ratio * 100) / 100,
      magnitude: attempts,
      actor: src,
      targets: [dst],
      ports: [port],
      protocol: 6,
      mitre: ['T1110.001', ...(large > 0 && FOLLOW_ON[port] ? [FOLLOW_ON[port] as string] : [])],
      summary: `${src} made ${attempts} short ${service} connections to ${dst} within ${c.slowWindowSec} s (slow window; ` +
        (warm ? `the pair's usual ${base.toFixed(1)} per window` : 'no history of the pair') + ')' +
        (large > 0 ? `; ${large} longer session(s) followed (possible successful login)` : ''),
      signals: [
        signal('attempts', attempts, Math.round(threshold * 100) / 100),
        signal('pairBaselineAttempts', base, undefined, warm ? 'EWMA per slow window, warm' : 'not enough history'),
        signal('rejected', w.rejects[e] as number),
        signal('largeSessions', large, undefined, `sessions over ${c.maxBytesPerAttempt} bytes`),
        signal('windowSec', c.slowWindowSec, undefined, 'slow window'),
        signal('actorIsOurs', local ? 1 : 0),
      ],
      evidence: () => w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }
}
