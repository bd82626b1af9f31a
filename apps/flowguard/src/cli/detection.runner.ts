import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, type DetectionConfig, type EngineStats } from '@flowguard/detection';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { IngestStages, type StageOptions } from './ingest.stages';

/**
 * Runs the service's ingest stages and DetectionEngine (the same classes, not
 * copies) over batches in order and keeps the latest version of every anomaly:
 * the engine re-emits an anomaly when it escalates or continues, under the same id.
 */
export class DetectionRun {
  readonly engine: DetectionEngine;
  readonly stages: IngestStages;
  private readonly latest = new Map<string, AnomalyV1>();
  records = 0;

  constructor(config: DetectionConfig, threatIntel: ThreatIntelLookup, stages: Omit<StageOptions, 'threatIntel'> = { mode: 'full' }) {
    this.engine = new DetectionEngine(config, { threatIntel });
    this.stages = new IngestStages({ ...stages, threatIntel });
  }

  feed(batch: FlowBatch): void {
    if (batch.length === 0) return;
    this.records += batch.length;
    const detection = this.stages.apply(batch);
    if (detection.length > 0) this.keep(this.engine.process(detection));
  }

  /** Close every open window; returns all anomalies, oldest first. */
  finish(): AnomalyV1[] {
    this.keep(this.engine.flush());
    return [...this.latest.values()].sort((a, b) => a.firstSeen - b.firstSeen || (a.anomalyId < b.anomalyId ? -1 : 1));
  }

  stats(): EngineStats {
    return this.engine.stats();
  }

  private keep(anomalies: AnomalyV1[]): void {
    for (const a of anomalies) this.latest.set(a.anomalyId, a);
  }
}
