import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, type DetectionConfig, type EngineStats } from '@flowguard/detection';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { IngestStages, type StageOptions } from './ingest.stages';

/** What `analyze` drives: single-threaded (DetectionRun) or threaded (ThreadedDetectionRun). */
export interface AnalyzeRun {
  readonly stages: IngestStages;
  readonly records: number;
  /** a promise when the run wants the reader to wait (back-pressure) */
  feed(batch: FlowBatch): void | Promise<void>;
  /** Close every open window; returns all anomalies, oldest first. */
  finish(): Promise<AnomalyV1[]>;
  /** release threads (also after a failure) */
  close(): Promise<void>;
}

/** The output order of every run: first seen, then id (ids are unique). */
export function byFirstSeen(a: AnomalyV1, b: AnomalyV1): number {
  return a.firstSeen - b.firstSeen || (a.anomalyId < b.anomalyId ? -1 : a.anomalyId > b.anomalyId ? 1 : 0);
}

/**
 * Runs the service's ingest stages and DetectionEngine (the same classes, not
 * copies) over batches in order and keeps the latest version of every anomaly:
 * the engine re-emits an anomaly when it escalates or continues, under the same id.
 */
export class DetectionRun implements AnalyzeRun {
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
    const d = this.stages.apply(batch);
    if (d.length > 0) this.keep(d.rows ? this.engine.process(d.batch, d.rows, d.length) : this.engine.process(d.batch));
  }

  /** Close every open window; returns all anomalies, oldest first. */
  finishNow(): AnomalyV1[] {
    this.keep(this.engine.flush());
    return [...this.latest.values()].sort(byFirstSeen);
  }

  finish(): Promise<AnomalyV1[]> {
    return Promise.resolve(this.finishNow());
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  stats(): EngineStats {
    return this.engine.stats();
  }

  private keep(anomalies: AnomalyV1[]): void {
    for (const a of anomalies) this.latest.set(a.anomalyId, a);
  }
}
