/**
 * Test support: a deterministic stand-in for a Kafka cluster running the two
 * detect stages as N instances, without any bus. Messages are partitioned
 * exactly as the buses do (murmur2 of the key), each partition keeps its
 * order, and a seeded scheduler interleaves partitions and batch sizes at
 * random, the way consumer timing would.
 */
import { seededRandom as rng } from '@flowguard/util';
import { Topics, type AnomalyV1, type FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, defaultDetectionConfig, type DetectionConfig } from '@flowguard/detection';
import { partitionForKey, type Delivered } from '@flowguard/messaging';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { DetectLanes } from '../lanes/detect-lanes';
import { bucketKeys } from '../repartition/bucket-keys';
import { stampHeaders } from '../repartition/origin-stamp';
import { RepartitionStage, type FlowRouter } from '../repartition/repartition.stage';

export interface ScaleRun {
  readonly instances: number;
  readonly seed: number;
  readonly config?: DetectionConfig;
  readonly threatIntel?: ThreatIntelLookup;
  readonly router?: (origin: number) => FlowRouter;
  /** largest number of messages one delivery hands over */
  readonly maxBatch?: number;
}

type Log = Array<Delivered<FlowBatch>>;


/** flows.enriched as a producer keyed by ENI would fill it: every batch split by the partition of each row's ENI. */
export function enrichedLog(batches: readonly FlowBatch[], partitions = Topics.flowsEnriched.partitions): Log[] {
  const logs: Log[] = Array.from({ length: partitions }, () => []);
  for (const b of batches) {
    const rows: number[][] = Array.from({ length: partitions }, () => []);
    for (let i = 0; i < b.length; i++) rows[partitionForKey(b.strings.get(b.interfaceId[i] as number), partitions)]?.push(i);
    rows.forEach((keep, p) => {
      if (!keep.length) return;
      const log = logs[p] as Log;
      log.push({ value: b.select(keep), meta: { topic: Topics.flowsEnriched.name, partition: p, offset: String(log.length), key: null, headers: {}, timestamp: log.length } });
    });
  }
  return logs;
}

/** The last version of every anomaly, without its wall-clock stamp, sorted by id. */
export function finalAnomalies(emitted: readonly AnomalyV1[]): Array<Omit<AnomalyV1, 'updatedAt'>> {
  const last = new Map<string, AnomalyV1>();
  for (const a of emitted) last.set(a.anomalyId, a);
  return [...last.values()].map(({ updatedAt: _u, ...rest }) => rest).sort((a, b) => (a.anomalyId < b.anomalyId ? -1 : 1));
}

/** One engine with every detector over the same input, in order: the reference. */
export function singleEngine(batches: readonly FlowBatch[], config = defaultDetectionConfig(), threatIntel?: ThreatIntelLookup): AnomalyV1[] {
  const e = new DetectionEngine(config, { ...(threatIntel ? { threatIntel } : {}), now: () => 0 });
  const out: AnomalyV1[] = [];
  for (const b of batches) out.push(...e.process(b));
  out.push(...e.flush());
  return out;
}

/**
 * Both stages as `instances` members of their groups (partition p is owned by
 * member p mod instances), fed from `input` (per enriched partition), with a
 * random interleaving; every lane flushed at the end (shutdown).
 */
export function runScaled(input: readonly Log[], run: ScaleRun): { anomalies: AnomalyV1[]; lateDrops: number; lanes: number[] } {
  const config = run.config ?? defaultDetectionConfig();
  const random = rng(run.seed);
  const maxBatch = run.maxBatch ?? 4;
  const buckets = Topics.flowsBySource.partitions;
  const stages = Array.from({ length: run.instances }, () => new RepartitionStage({
    buckets, inferEniOwner: config.network.inferEniOwner, punctuateEverySec: config.tickSec, ...(run.router ? { router: run.router } : {}),
  }));
  const lanes = Array.from({ length: run.instances }, () => new DetectLanes({
    config, ...(run.threatIntel ? { threatIntel: run.threatIntel } : {}), now: () => 0, idleMs: 60_000, expectedOrigins: input.length,
  }));
  const keys = { src: bucketKeys(buckets, Topics.flowsBySource.partitions), dst: bucketKeys(buckets, Topics.flowsByDestination.partitions) };
  const repart: Record<'src' | 'dst', Log[]> = {
    src: Array.from({ length: Topics.flowsBySource.partitions }, () => []),
    dst: Array.from({ length: Topics.flowsByDestination.partitions }, () => []),
  };
  const cursor = new Map<string, number>();
  const anomalies: AnomalyV1[] = [];
  const queues: Array<{ name: string; log: Log; deliver: (msgs: Log) => void }> = [
    ...input.map((log, p) => ({ name: `in:${p}`, log, deliver: (msgs: Log) => {
      for (const o of (stages[p % run.instances] as RepartitionStage).split(msgs)) {
        const target = repart[o.topic];
        const part = partitionForKey(keys[o.topic][o.bucket] as string, target.length);
        const log = target[part] as Log;
        log.push({ value: o.batch, meta: { topic: o.topic, partition: part, offset: String(log.length), key: null, headers: stampHeaders(o.stamp), timestamp: 0 } });
      }
      (stages[p % run.instances] as RepartitionStage).confirm(msgs);
    } })),
    ...(['src', 'dst'] as const).flatMap((topic) => repart[topic].map((log, p) => ({ name: `${topic}:${p}`, log, deliver: (msgs: Log) => {
      for (const d of msgs) anomalies.push(...(lanes[p % run.instances] as DetectLanes).ingest(topic, d).anomalies);
    } }))),
  ];
  for (;;) {
    const ready = queues.filter((q) => (cursor.get(q.name) ?? 0) < q.log.length);
    if (!ready.length) break;
    const q = ready[Math.floor(random() * ready.length)] as (typeof queues)[number];
    const from = cursor.get(q.name) ?? 0;
    const n = 1 + Math.floor(random() * maxBatch);
    cursor.set(q.name, Math.min(q.log.length, from + n));
    q.deliver(q.log.slice(from, from + n));
  }
  for (const l of lanes) anomalies.push(...l.flushAll());
  const stats = lanes.flatMap((l) => l.stats());
  return { anomalies, lateDrops: stats.reduce((n, s) => n + s.engine.lateDrops, 0), lanes: lanes.map((l) => l.size) };
}
