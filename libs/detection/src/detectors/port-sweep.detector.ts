/**
 * port-sweep (horizontal): one source probing one port on many destinations,
 * with a slow window for low-rate sweeps. Keyed by source.
 */
import type { PairFilter } from '../state/pair-filter';
import type { PortSweepConfig } from '../config/detection-config';
import { type PreparedBatch, RowFlag } from '../engine/prepared-batch';
import { type Candidate, type Detector, type EngineContext, decades, raiseSeverity, ratioConfidence, signal } from './detector';
import { type FanoutSpec, type FanoutTier, FanoutWindow, advanceTiers, makeEstablishedPairs, type EstablishedPairs, makeTiers, ingestTiers, portKey, portOf, tierStateSize, releaseTiers } from './fanout';

export class PortSweepDetector implements Detector {
  readonly id = 'port-sweep' as const;
  readonly name = 'port-sweep';
  readonly keying = 'src' as const;
  private readonly tiers: FanoutTier[];
  private readonly spec: FanoutSpec;
  private readonly established: PairFilter;
  private readonly pairs: EstablishedPairs;
  private readonly member: number;

  constructor(private readonly ctx: EngineContext, cfg: PortSweepConfig, pairs: EstablishedPairs = makeEstablishedPairs(ctx)) {
    // payload-less probes only: many hosts on one UDP port with a request each is what resolvers do
    const mask = RowFlag.PROBE;
    this.tiers = makeTiers(ctx, [
      { variant: 'fast', windowSec: cfg.windowSec, threshold: cfg.minDistinctHosts, severity: cfg.severity, probeMask: mask, exact: true },
      // slow sweeps last longer than their window by nature: tumbling is enough and halves the cost
      { variant: 'slow', windowSec: cfg.slowWindowSec, threshold: cfg.slowMinDistinctHosts, severity: cfg.severity, probeMask: mask, exact: true, tumbling: true },
      { variant: 'long', windowSec: cfg.longWindowSec, threshold: cfg.longMinDistinctHosts, severity: cfg.longSeverity, probeMask: mask, exact: false, hopSec: cfg.longHopSec },
    ]);
    const joined = pairs.join(this.tiers);
    this.pairs = pairs;
    this.established = joined.lane;
    this.member = joined.member;
    this.spec = {
      established: (f, src, anchor, value) => f.has(src, value, anchor),
      anchor: (p: PreparedBatch, i: number) => portKey(p.batch.dstPort[i] as number, p.batch.protocol[i] as number),
      value: (p: PreparedBatch, i: number) => p.dstIp[i] as number,
      describe: (c, w, e, values, tier, start, end) => this.describe(c, w, e, values, tier, start, end),
    };
  }

  ingest(p: PreparedBatch): void {
    ingestTiers(p, this.tiers, this.spec, this.pairs, this.member, () => this.ctx.evicted(this.name));
  }

  advance(watermark: number, out: Candidate[]): void {
    advanceTiers(this.ctx, this.tiers, this.spec, this.established, watermark, out);
  }

  release(): void {
    releaseTiers(this.tiers);
  }

  maintain(): void {
    /* windowed state only */
  }

  stateSize(): number {
    return tierStateSize(this.tiers);
  }

  private describe(ctx: EngineContext, w: FanoutWindow, e: number, values: number[], tier: FanoutTier, start: number, end: number): Candidate {
    const { variant, windowSec, threshold } = tier;
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
      severity: raiseSeverity(tier.severity, (local ? 1 : -1) + decades(distinct, threshold)),
      confidence: Math.min(1, ratioConfidence(ratio) + (rejectShare >= 0.5 ? 0.1 : 0)),
      score: Math.round(ratio * 100) / 100,
      magnitude: distinct,
      actor,
      targets,
      ports: [port],
      protocol,
      mitre: local ? ['T1046'] : ['T1595.001'],
      summary: `${actor} probed port ${port}/${protocol === 17 ? 'udp' : 'tcp'} on ${distinct >= tier.maxDistinct ? 'at least ' : ''}${distinct} hosts within ${windowSec} s (${variant} window; ${rejects} of ${probes} probes rejected)`,
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
