import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { DetectionEngine } from '@flowguard/detection';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import type { LaneInit, LaneTotals } from './lane.protocol';

/**
 * One lane of a threaded `analyze` run: a DetectionEngine running its share of the
 * detectors over every row, in file order. The engine has role `all`, so it learns ENI
 * owners from the rows itself exactly as the single engine does (ADR 0022, amendment).
 * Keeps the latest version of each anomaly, as the single-threaded DetectionRun does.
 * No worker_threads import: the worker entry (detection.worker.ts) and the specs
 * drive the same class.
 */
export class DetectionLane {
  private readonly engine: DetectionEngine;
  private readonly latest = new Map<string, AnomalyV1>();

  constructor(init: Pick<LaneInit, 'config' | 'detectors'>, threatIntel: ThreatIntelLookup) {
    this.engine = new DetectionEngine({ ...init.config, role: 'all' }, { threatIntel, detectors: init.detectors });
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
