/**
 * Spec harness: run an engine over records (in batches), collect what it
 * emitted, and keep the last emitted version of every anomaly.
 */
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AnomalyV1, batchFromRecords, type FlowRecord } from '@flowguard/contracts';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { defaultDetectionConfig, type DetectionConfig } from '../config/detection-config';
import { DetectionEngine } from '../engine/detection.engine';

export interface RunResult {
  engine: DetectionEngine;
  /** every emission, in order */
  emitted: AnomalyV1[];
  /** last emitted version per anomalyId */
  latest: AnomalyV1[];
  of(detector: string): AnomalyV1[];
}

export function config(patch?: (c: DetectionConfig) => void): DetectionConfig {
  const c = defaultDetectionConfig();
  patch?.(c);
  return c;
}

export function run(records: FlowRecord[], opts: { config?: DetectionConfig; ti?: ThreatIntelLookup; batchSize?: number; flush?: boolean; now?: () => number } = {}): RunResult {
  const engine = new DetectionEngine(opts.config ?? defaultDetectionConfig(), {
    ...(opts.ti ? { threatIntel: opts.ti } : {}),
    now: opts.now ?? (() => 1_700_000_000_000),
  });
  const emitted: AnomalyV1[] = [];
  const size = opts.batchSize ?? records.length;
  for (let i = 0; i < records.length; i += Math.max(1, size)) emitted.push(...engine.process(batchFromRecords(records.slice(i, i + size))));
  if (opts.flush !== false) emitted.push(...engine.flush());
  return result(engine, emitted);
}

export function result(engine: DetectionEngine, emitted: AnomalyV1[]): RunResult {
  const last = new Map<string, AnomalyV1>();
  for (const a of emitted) last.set(a.anomalyId, a);
  const latest = [...last.values()];
  return { engine, emitted, latest, of: (d) => latest.filter((a) => a.detector === d) };
}

/** class-validator errors of an anomaly against the AnomalyV1 contract ([] when valid). */
export function contractErrors(a: AnomalyV1): string[] {
  const errors = validateSync(plainToInstance(AnomalyV1, a), { forbidUnknownValues: true });
  return errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ') || JSON.stringify(e.children)}`);
}
