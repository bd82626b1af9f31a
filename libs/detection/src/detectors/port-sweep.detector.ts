/**
 * port-sweep (horizontal): one source probing one port on many destinations,
 * with a slow window for low-rate sweeps. Keyed by source.
 */
import type { PortSweepConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, decades, hopOf, raiseSeverity, ratioConfidence, signal } from './detector';
import { FanoutWindow, type FanoutSpec, closeFanout, ingestFanout } from './fanout';
import { portKey, portOf } from './port-scan.detector';

export class PortSweepDetector implements Detector {
  readonly id = 'port-sweep' as const;
  readonly name = 'port-sweep';
  readonly keying = 'src' as const;
  private readonly fast: TumblingWindows<FanoutWindow>;
  private readonly slow: TumblingWindows<FanoutWindow>;
  private readonly spec: FanoutSpec;

  constructor(private readonly ctx: EngineContext, private readonly cfg: PortSweepConfig) {
    const make = () => new FanoutWindow(ctx.config.state.maxEntriesPerTable, ctx.config.aggregation.maxEvidence);
    // hop half a window: a burst shorter than half the window is never cut in two by a window edge
    this.fast = new TumblingWindows(cfg.windowSec, make, (w) => w.reset(), hopOf(cfg.windowSec, ctx.config.tickSec));
    // slow scans last longer than their window by nature: tumbling is enough and halves the cost
    this.slow = new TumblingWindows(cfg.slowWindowSec, make, (w) => w.reset());
    this.spec = {
      anchor: (p: PreparedBatch, i: number) => portKey(p.batch.dstPort[i] as number, p.batch.protocol[i] as number),
      value: (p: PreparedBatch, i: number) => p.dstIp[i] as number,
      describe: (c, w, e, values, variant, windowSec, threshold, start, end) => this.describe(c, w, e, values, variant, windowSec, threshold, start, end),
    };
  }

  ingest(p: PreparedBatch): void {
    const evict = () => this.ctx.evicted(this.name);
    ingestFanout(p, this.fast, this.spec, Math.ceil(this.cfg.minDistinctHosts / 2), evict);
    ingestFanout(p, this.slow, this.spec, Math.ceil(this.cfg.slowMinDistinctHosts / 2), evict);
  }

  advance(watermark: number, out: Candidate[]): void {
    this.fast.closeUpTo(watermark, (w, s, e) => closeFanout(this.ctx, w, this.spec, this.cfg.minDistinctHosts, 'fast', this.cfg.windowSec, s, e, out));
    this.slow.closeUpTo(watermark, (w, s, e) => closeFanout(this.ctx, w, this.spec, this.cfg.slowMinDistinctHosts, 'slow', this.cfg.slowWindowSec, s, e, out));
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
    const actor = ctx.ips.str(w.entities.key(e, 0));
    const key = w.entities.key(e, 1);
    const port = portOf(key);
    const protocol = key >> 16 ? 17 : 6;
    const distinct = w.distinct[e] as number;
    const probes = w.probes[e] as number;
    const rejects = w.rejects[e] as number;
    const local = (w.local[e] as number) === 1;
    const targets = values.map((id) => ctx.ips.str(id)).sort().slice(0, ctx.config.aggregation.maxTargets);
    const ratio = distinct / threshold;
    const rejectShare = probes > 0 ? rejects / probes : 0;
    return {
      detector: this.id,
      entity: `${actor}>*:${port}/${protocol}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.first[e] as number,
      lastSeen: w.last[e] as number,
      // a workload of ours sweeping is GuardDuty's high-severity PortSweep; inbound sweeps are background noise
      severity: raiseSeverity(this.cfg.severity, (local ? 1 : -1) + decades(distinct, threshold)),
      confidence: Math.min(1, ratioConfidence(ratio) + (rejectShare >= 0.5 ? 0.1 : 0)),
      score: Math.round(ratio * 100) / 100,
      magnitude: distinct,
      actor,
      targets,
      ports: [port],
      protocol,
      mitre: local ? ['T1046'] : ['T1595.001'],
      summary: `${actor} probed port ${port}/${protocol === 17 ? 'udp' : 'tcp'} on ${distinct} hosts within ${windowSec} s (${variant} window; ${rejects} of ${probes} probes rejected)`,
      signals: [
        signal('distinctHosts', distinct, threshold),
        signal('probes', probes),
        signal('rejectedProbes', rejects),
        signal('windowSec', windowSec, undefined, `${variant} window`),
      ],
      evidence: () => w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }
}
