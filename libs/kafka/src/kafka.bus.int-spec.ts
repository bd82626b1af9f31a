/**
 * KafkaBus against a real broker: the shared bus contract plus what only a
 * real cluster shows (consumer groups split partitions, topic creation, health).
 * KAFKA_BROKERS is exported by the integration global setup (scripts/servers/).
 */
import { randomUUID } from 'node:crypto';
import { Consumers, Topics, allTopics, type AnomalyV1 } from '@flowguard/contracts';
import { eventually, runBusContractSuite, sampleAnomaly, type Delivered } from '@flowguard/messaging';
import { KafkaBus } from './kafka.bus';
import { intBrokers } from './testing/int-brokers';
import type { KafkaBusConfig } from './kafka.config';

const brokers = intBrokers();

const base: KafkaBusConfig = {
  brokers,
  clientId: 'flowguard-int-test',
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  // quick group joins and short idle fetches keep the suite fast
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 10_000,
  maxWaitTimeMs: 100,
};

const freshNamespace = () => `it-${randomUUID().slice(0, 8)}.`;

runBusContractSuite('KafkaBus', async ({ metrics, topics }) => {
  const bus = new KafkaBus({ ...base, namespace: freshNamespace(), metrics });
  await bus.ensureTopics(topics);
  return bus;
}, { timeoutMs: 60_000, waitMs: 30_000, quietMs: 1_000 });

describe('KafkaBus on a real broker', () => {
  const open: KafkaBus[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  }, 60_000);
  const make = (namespace: string) => {
    const bus = new KafkaBus({ ...base, namespace });
    open.push(bus);
    return bus;
  };

  it('two members of one group split the partitions and together see every message exactly once', async () => {
    const ns = freshNamespace();
    const a = make(ns);
    const b = make(ns);
    await a.ensureTopics([Topics.anomalies]);
    const seenBy = { a: [] as string[], b: [] as string[] };
    const collect = (into: string[]) => async (batch: ReadonlyArray<Delivered<AnomalyV1>>) => void into.push(...batch.map((d) => `${d.value.anomalyId}#${d.value.occurrences}`));
    await a.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: collect(seenBy.a) });
    await b.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: collect(seenBy.b) });
    // publish only once the rebalance settled: both members own partitions and together all of them
    await eventually(() => {
      const pa = a.assignments(Consumers.orchestrator, Topics.anomalies)[0] ?? [];
      const pb = b.assignments(Consumers.orchestrator, Topics.anomalies)[0] ?? [];
      return pa.length > 0 && pb.length > 0 && new Set([...pa, ...pb]).size === Topics.anomalies.partitions && pa.length + pb.length === Topics.anomalies.partitions;
    }, 'a settled two-member assignment', 30_000);

    const msgs = Array.from({ length: 300 }, (_, i) => sampleAnomaly(`anomaly-split-${i % 60}`, Math.floor(i / 60) + 1));
    await a.publish(Topics.anomalies, msgs);
    await eventually(() => seenBy.a.length + seenBy.b.length >= 300, '300 deliveries', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));

    const all = [...seenBy.a, ...seenBy.b];
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
    expect(seenBy.a.length).toBeGreaterThan(0);
    expect(seenBy.b.length).toBeGreaterThan(0);
    // a key never shows up at both members
    const keysA = new Set(seenBy.a.map((s) => s.split('#')[0]));
    expect(seenBy.b.some((s) => keysA.has(s.split('#')[0]))).toBe(false);
  }, 90_000);

  it('two subscriptions of one logical group to different topics each get their own topic (one Kafka group per topic, ADR 0019)', async () => {
    const ns = freshNamespace();
    const bus = make(ns);
    await bus.ensureTopics([Topics.anomalies, Topics.classifications]);
    const anomalies: string[] = [];
    await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: async (b) => void anomalies.push(...b.map((d) => d.value.anomalyId)) });
    // a second member of the same group that subscribes to another topic
    const other = make(ns);
    let classifications = 0;
    await other.subscribe({ group: Consumers.orchestrator, topic: Topics.classifications, handle: async (b) => void (classifications += b.length) });
    await eventually(
      () => (bus.assignments(Consumers.orchestrator, Topics.anomalies)[0] ?? []).length === Topics.anomalies.partitions,
      'all anomaly partitions on the anomalies subscriber', 30_000,
    );
    await bus.publish(Topics.anomalies, Array.from({ length: 30 }, (_, i) => sampleAnomaly(`anomaly-topics-${i}`, 1)));
    await eventually(() => anomalies.length >= 30, '30 anomalies', 30_000);
    expect(classifications).toBe(0);
  }, 90_000);

  it('keeps its partitions through a handler slower than the session timeout (heartbeats during the batch)', async () => {
    const ns = freshNamespace();
    const bus = new KafkaBus({ ...base, namespace: ns, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 });
    open.push(bus);
    await bus.ensureTopics([Topics.anomalies]);
    const seen: number[] = [];
    let calls = 0;
    await bus.subscribe<AnomalyV1>({
      group: Consumers.orchestrator, topic: Topics.anomalies, maxBatchSize: 10,
      handle: async (batch) => {
        if (calls++ === 0) await new Promise((r) => setTimeout(r, 8_000)); // longer than the session
        seen.push(...batch.map((d) => d.value.occurrences));
      },
    });
    await bus.publish(Topics.anomalies, Array.from({ length: 5 }, (_, i) => sampleAnomaly('anomaly-slow-key', i + 1)));
    await eventually(() => seen.length >= 5, '5 deliveries', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen).toEqual([1, 2, 3, 4, 5]); // no rebalance, so no redelivery
    expect(bus.assignments(Consumers.orchestrator, Topics.anomalies)[0]).toEqual([0, 1, 2]);
  }, 60_000);

  it('ensureTopics creates every registry topic once with its partition count', async () => {
    const ns = freshNamespace();
    const bus = make(ns);
    const first = await bus.ensureTopics(allTopics());
    expect(first.created.length).toBe(allTopics().length);
    const second = await bus.ensureTopics(allTopics());
    expect(second.created).toEqual([]);
    expect(second.existing.length).toBe(allTopics().length);
  }, 60_000);

  it('reports unhealthy within the timeout when no broker answers', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], retry: { retries: 0 }, connectionTimeoutMs: 300, healthTimeoutMs: 1_500 });
    open.push(bus);
    const started = Date.now();
    const h = await bus.health();
    expect(h.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 20_000);
});
