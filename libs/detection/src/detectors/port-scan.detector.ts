/**
 * port-scan (vertical): one source probing many distinct ports of one
 * destination. Fast window per FR2.1 (> 20 ports in 60 s) plus a slow window
 * for low-and-slow scans. Keyed by source.
 */
import type { PairFilter } from '../state/pair-filter';
import type { PortScanConfig } from '../config/detection-config';
import { type PreparedBatch, RowFlag } from '../engine/prepared-batch';
import { type Candidate, type Detector, type EngineContext, decades, raiseSeverity, ratioConfidence, signal } from './detector';
import { type FanoutSpec, type FanoutTier, FanoutWindow, advanceTiers, makeEstablishedPairs, type EstablishedPairs, makeTiers, ingestTiers, scanSeverityStep, tierStateSize, releaseTiers } from './fanout';

import { portKey as fanoutPortKey, portOf as fanoutPortOf } from './fanout';

// data properties, not the getters a re-export compiles to: other detectors call these per row
export const portKey: (port: number, protocol: number) => number = fanoutPortKey;
export const portOf: (key: number) => number = fanoutPortOf;

export class PortScanDetector implements Detector {
  readonly id = 'port-scan' as const;
  readonly name = 'port-scan';
  readonly keying = 'src' as const;
  private readonly tiers: FanoutTier[];
  private readonly spec: FanoutSpec;
  private readonly established: PairFilter;
  private readonly pairs: EstablishedPairs;
  private readonly member: number;

  constructor(private readonly ctx: EngineContext, cfg: PortScanConfig, pairs: EstablishedPairs = makeEstablishedPairs(ctx)) {
    // UDP services are probed with their own requests (SIP OPTIONS ~450 B): payload probes count here
    const mask = RowFlag.PROBE | RowFlag.PROBE_PAYLOAD;
    // every tier hops by half a window: a burst shorter than half the window is never cut in two by an edge
    this.tiers = makeTiers(ctx, [
      { variant: 'fast', windowSec: cfg.windowSec, threshold: cfg.minDistinctPorts, severity: cfg.severity, probeMask: mask, exact: true },
      { variant: 'slow', windowSec: cfg.slowWindowSec, threshold: cfg.slowMinDistinctPorts, severity: cfg.severity, probeMask: mask, exact: true },
      { variant: 'long', windowSec: cfg.longWindowSec, threshold: cfg.longMinDistinctPorts, severity: cfg.longSeverity, probeMask: mask, exact: false, hopSec: cfg.longHopSec },
    ]);
    const joined = pairs.join(this.tiers);
    this.pairs = pairs;
    this.established = joined.lane;
    this.member = joined.member;
    this.spec = {
      established: (f, src, anchor, value) => f.has(src, anchor, value),
      anchor: (p: PreparedBatch, i: number) => p.dstIp[i] as number,
      value: (p: PreparedBatch, i: number) => portKey(p.batch.dstPort[i] as number, p.batch.protocol[i] as number),
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
      severity: raiseSeverity(tier.severity, scanSeverityStep(local) + decades(distinct, threshold)),
      confidence: Math.min(1, ratioConfidence(ratio) + (rejectShare >= 0.5 ? 0.1 : 0)),
      score: Math.round(ratio * 100) / 100,
      magnitude: distinct,
      actor,
      targets: [target],
      ports,
      mitre: local ? ['T1046'] : ['T1595.001'],
      summary: `${actor} probed ${distinct >= tier.maxDistinct ? 'at least ' : ''}${distinct} distinct ports on ${target} within ${windowSec} s (${variant} window; ${probes} probes, ${rejects} rejected)`,
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
