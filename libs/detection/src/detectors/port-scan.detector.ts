/**
 * port-scan (vertical): one source probing many distinct ports of one
 * destination. Fast window per FR2.1 (> 20 ports in 60 s) plus a slow window
 * for low-and-slow scans. Keyed by source.
 */
import type { PortScanConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, decades, hopOf, raiseSeverity, ratioConfidence, signal } from './detector';
import { FanoutWindow, type FanoutSpec, closeFanout, ingestFanout, scanSeverityStep } from './fanout';

/** dst port plus protocol bit, so TCP/80 and UDP/80 count as two ports */
export const portKey = (port: number, protocol: number) => port | (protocol === 17 ? 1 << 16 : 0);
export const portOf = (key: number) => key & 0xffff;

export class PortScanDetector implements Detector {
  readonly id = 'port-scan' as const;
  readonly name = 'port-scan';
  readonly keying = 'src' as const;
  private readonly fast: TumblingWindows<FanoutWindow>;
  private readonly slow: TumblingWindows<FanoutWindow>;
  private readonly spec: FanoutSpec;

  constructor(private readonly ctx: EngineContext, private readonly cfg: PortScanConfig) {
    const make = () => new FanoutWindow(ctx.config.state.maxEntriesPerTable, ctx.config.aggregation.maxEvidence);
    // hop half a window: a burst shorter than half the window is never cut in two by a window edge
    this.fast = new TumblingWindows(cfg.windowSec, make, (w) => w.reset(), hopOf(cfg.windowSec, ctx.config.tickSec));
    this.slow = new TumblingWindows(cfg.slowWindowSec, make, (w) => w.reset(), hopOf(cfg.slowWindowSec, ctx.config.tickSec));
    this.spec = {
      anchor: (p: PreparedBatch, i: number) => p.dstIp[i] as number,
      value: (p: PreparedBatch, i: number) => portKey(p.batch.dstPort[i] as number, p.batch.protocol[i] as number),
      describe: (c, w, e, values, variant, windowSec, threshold, start, end) => this.describe(c, w, e, values, variant, windowSec, threshold, start, end),
    };
  }

  ingest(p: PreparedBatch): void {
    const evict = () => this.ctx.evicted(this.name);
    ingestFanout(p, this.fast, this.spec, Math.ceil(this.cfg.minDistinctPorts / 2), evict);
    ingestFanout(p, this.slow, this.spec, Math.ceil(this.cfg.slowMinDistinctPorts / 2), evict);
  }

  advance(watermark: number, out: Candidate[]): void {
    this.fast.closeUpTo(watermark, (w, s, e) => closeFanout(this.ctx, w, this.spec, this.cfg.minDistinctPorts, 'fast', this.cfg.windowSec, s, e, out));
    this.slow.closeUpTo(watermark, (w, s, e) => closeFanout(this.ctx, w, this.spec, this.cfg.slowMinDistinctPorts, 'slow', this.cfg.slowWindowSec, s, e, out));
  }

  release(): void {
    this.fast.release();
    this.slow.release();
  }

  maintain(): void {
    /* windowed state only */
  }

  stateSize(): number {
    let n = 0;
    this.fast.forEachOpen((w) => (n += w.seen.size));
    this.slow.forEachOpen((w) => (n += w.seen.size));
    return n;
  }

  private describe(
    ctx: EngineContext, w: FanoutWindow, e: number, values: number[], variant: string, windowSec: number, threshold: number, start: number, end: number,
  ): Candidate {
    const src = w.entities.key(e, 0);
    const dst = w.entities.key(e, 1);
    const actor = ctx.ips.str(src);
    const target = ctx.ips.str(dst);
    const distinct = w.distinct[e] as number;
    const probes = w.probes[e] as number;
    const rejects = w.rejects[e] as number;
    const local = (w.local[e] as number) === 1;
    const ports = values.map(portOf).sort((a, b) => a - b).slice(0, ctx.config.aggregation.maxPorts);
    const rejectShare = probes > 0 ? rejects / probes : 0;
    const ratio = distinct / threshold;
    return {
      detector: this.id,
      entity: `${actor}>${target}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.first[e] as number,
      lastSeen: w.last[e] as number,
      severity: raiseSeverity(this.cfg.severity, scanSeverityStep(local) + decades(distinct, threshold)),
      confidence: Math.min(1, ratioConfidence(ratio) + (rejectShare >= 0.5 ? 0.1 : 0)),
      score: Math.round(ratio * 100) / 100,
      magnitude: distinct,
      actor,
      targets: [target],
      ports,
      mitre: local ? ['T1046'] : ['T1595.001'],
      summary: `${actor} probed ${distinct} distinct ports on ${target} within ${windowSec} s (${variant} window; ${probes} probes, ${rejects} rejected)`,
      signals: [
        signal('distinctPorts', distinct, threshold),
        signal('probes', probes),
        signal('rejectedProbes', rejects),
        signal('windowSec', windowSec, undefined, `${variant} window`),
      ],
      evidence: () => w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }
}
