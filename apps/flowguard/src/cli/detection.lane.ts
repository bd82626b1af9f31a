import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, type DetectionConfig } from '@flowguard/detection';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import type { LaneRole, LaneTotals } from './lane.protocol';

/**
 * One detection role of a threaded `analyze` run: a DetectionEngine running only the
 * source-keyed (or destination-keyed) detectors over every row, in file order, with
 * directions already learned by the main thread's Repartitioner (ADR 0009). Keeps the
 * latest version of each anomaly, as the single-threaded DetectionRun does.
 * No worker_threads import: the worker entry (detection.worker.ts) and the specs
 * drive the same class.
 */
export class DetectionLane {
  private readonly engine: DetectionEngine;
  private readonly latest = new Map<string, AnomalyV1>();

  constructor(role: LaneRole, config: DetectionConfig, threatIntel: ThreatIntelLookup) {
    this.engine = new DetectionEngine({ ...config, role }, { threatIntel });
  }

  feed(batch: FlowBatch): void {
    this.keep(this.engine.process(batch));
  }

  /** Close every window; the latest version of every anomaly of this role. */
  finish(): { anomalies: AnomalyV1[]; totals: LaneTotals } {
    this.keep(this.engine.flush());
    const s = this.engine.stats();
    return { anomalies: [...this.latest.values()], totals: { flows: s.flows, lateDrops: s.lateDrops } };
  }

  private keep(anomalies: AnomalyV1[]): void {
    for (const a of anomalies) this.latest.set(a.anomalyId, a);
  }
}
