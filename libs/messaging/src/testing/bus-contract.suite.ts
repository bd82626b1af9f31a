/**
 * The behaviour every Bus adapter must show, as one reusable suite. The
 * in-process bus runs it in its unit specs, the Kafka adapter against a real
 * broker in its integration specs, so "same semantics" is checked, not claimed.
 *
 * The suite uses the test runner's globals (describe/it/afterEach) through
 * `globalThis` and node:assert, so importing this module costs production code
 * nothing and needs no test-framework types.
 */
import assert from 'node:assert/strict';
import {
  AnomalyV1, Consumers, Topics, deadLetterTopic, flowBatchCodec, recordAt,
  type ConsumerName, type DeadLetterV1, type FlowBatch,
} from '@flowguard/contracts';
import {
  BusHeaders, type Bus, type BusMetrics, type TopicRef, type Delivered, type RawPublisher, type Subscription, type SubscriptionHandle,
} from '../bus.port';
import { partitionForKey } from '../partitioning/murmur2.partitioner';
import { sampleAnomaly, sampleFlowBatch } from './fixtures';

export type BusUnderTest = Bus & RawPublisher;

export interface BusFactoryArgs {
  readonly metrics: BusMetrics;
  /** topics the test will use; an adapter for a real broker creates them */
  readonly topics: ReadonlyArray<TopicRef>;
}

/** Makes a fresh, isolated bus for one test. The suite closes it after the test. */
export type BusFactory = (args: BusFactoryArgs) => Promise<BusUnderTest>;

export interface BusContractOptions {
  /** per-test timeout (default 30 s) */
  readonly timeoutMs?: number;
  /** how long to wait for expected deliveries (default 20 s) */
  readonly waitMs?: number;
  /** how long to watch for unexpected extra deliveries (default 300 ms) */
  readonly quietMs?: number;
}

interface TestGlobals {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  afterEach(fn: () => Promise<void>, timeout?: number): void;
}

export class MetricsRecorder implements BusMetrics {
  publishedCount = 0;
  consumedCount = 0;
  retriedCount = 0;
  readonly deadReasons: string[] = [];
  published(_topic: string, count: number): void {
    this.publishedCount += count;
  }
  consumed(_topic: string, _group: string, count: number): void {
    this.consumedCount += count;
  }
  deadLettered(_topic: string, _group: string, reason: string): void {
    this.deadReasons.push(reason);
  }
  retried(): void {
    this.retriedCount++;
  }
}

/** element `i`, failing the test with a clear message instead of a non-null assertion */
function at<T>(xs: ReadonlyArray<T>, i: number, what = 'element'): T {
  const x = xs[i];
  assert.ok(x !== undefined, `missing ${what} #${i}`);
  return x;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Collects what a subscription delivers. */
class Collector<T> {
  readonly items: Array<Delivered<T>> = [];
  readonly handle = async (batch: ReadonlyArray<Delivered<T>>) => void this.items.push(...batch);
  get values(): T[] {
    return this.items.map((d) => d.value);
  }
}

const ANOMALY_TOPICS: TopicRef[] = [Topics.anomalies, deadLetterTopic(Consumers.orchestrator)];
const seqOf = (a: AnomalyV1) => a.occurrences;
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

export function runBusContractSuite(name: string, makeBus: BusFactory, options: BusContractOptions = {}): void {
  const g = globalThis as unknown as TestGlobals;
  const timeout = options.timeoutMs ?? 30_000;
  const waitMs = options.waitMs ?? 20_000;
  const quietMs = options.quietMs ?? 300;
  let open: BusUnderTest[] = [];

  const fresh = async (topics: ReadonlyArray<TopicRef>) => {
    const metrics = new MetricsRecorder();
    const bus = await makeBus({ metrics, topics });
    open.push(bus);
    return { bus, metrics };
  };
  const dlqOf = async (bus: BusUnderTest, group: ConsumerName) => {
    const c = new Collector<DeadLetterV1>();
    await bus.subscribe({ group: Consumers.platform, topic: deadLetterTopic(group), handle: c.handle });
    return c;
  };

  g.describe(`Bus contract: ${name}`, () => {
    g.afterEach(async () => {
      const buses = open;
      open = [];
      await Promise.all(buses.map((b) => b.close()));
    }, timeout);

    g.it('round-trips validated messages with key, headers and metadata', async () => {
      const { bus, metrics } = await fresh(ANOMALY_TOPICS);
      const got = new Collector<AnomalyV1>();
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: got.handle });
      const before = Date.now();
      const sent = [sampleAnomaly('anomaly-roundtrip-1', 1), sampleAnomaly('anomaly-roundtrip-2', 2)];
      await bus.publish(Topics.anomalies, sent, { headers: { 'x-trace-id': 'trace-1' } });
      await eventually(() => got.items.length >= 2, '2 deliveries', waitMs);

      const byId = [...got.items].sort((a, b) => a.value.anomalyId.localeCompare(b.value.anomalyId));
      assert.deepEqual(byId.map((d) => plain(d.value)), sent.map(plain));
      for (const d of byId) {
        assert.ok(d.value instanceof AnomalyV1, 'delivered values are validated class instances');
        assert.equal(d.meta.key, d.value.anomalyId);
        assert.equal(d.meta.partition, partitionForKey(d.value.anomalyId, Topics.anomalies.partitions), 'murmur2 partition');
        assert.ok(d.meta.topic.endsWith(Topics.anomalies.name));
        assert.equal(d.meta.headers[BusHeaders.contentType], 'application/json');
        assert.equal(d.meta.headers[BusHeaders.schemaVersion], '1');
        assert.equal(d.meta.headers['x-trace-id'], 'trace-1');
        assert.match(d.meta.offset, /^\d+$/);
        assert.ok(d.meta.timestamp >= before - 5_000 && d.meta.timestamp <= Date.now() + 5_000, 'timestamp is recent');
      }
      assert.equal(metrics.publishedCount, 2);
      await eventually(() => metrics.consumedCount === 2, 'consumed counter', waitMs);
    }, timeout);

    g.it('dead-letters undecodable and invalid messages with the reason, and the partition keeps moving', async () => {
      const { bus, metrics } = await fresh(ANOMALY_TOPICS);
      const got = new Collector<AnomalyV1>();
      const dlq = await dlqOf(bus, Consumers.orchestrator);
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: got.handle });
      const valid = (seq: number) => Topics.anomalies.codec.encode(sampleAnomaly('anomaly-dlq-same', seq));
      const key = 'anomaly-dlq-same';
      await bus.publishRaw(Topics.anomalies, [
        { key, value: valid(1) },
        { key, value: Buffer.from('{this is not json') },
        { key, value: valid(2) },
        { key, value: Buffer.from(JSON.stringify({ anomalyId: 'short', severity: 'apocalyptic' })) },
        { key, value: valid(3) },
      ]);
      await eventually(() => got.items.length >= 3 && dlq.items.length >= 2, '3 deliveries and 2 dead letters', waitMs);

      assert.deepEqual(got.values.map(seqOf), [1, 2, 3]);
      const letters = [...dlq.values].sort((a, b) => Number(a.offset) - Number(b.offset));
      assert.deepEqual(letters.map((l) => l.reason), ['decode_error', 'validation_error']);
      const first = at(got.items, 0, 'delivery');
      const third = at(got.items, 2, 'delivery');
      const [bad1, bad2] = [at(letters, 0, 'dead letter'), at(letters, 1, 'dead letter')];
      for (const l of letters) {
        assert.equal(l.consumer, Consumers.orchestrator);
        assert.equal(l.sourceTopic, first.meta.topic);
        assert.equal(l.partition, first.meta.partition);
        assert.equal(l.key, key);
        assert.equal(l.attempts, 1);
        assert.ok(l.error.length > 0);
      }
      assert.equal(Buffer.from(bad1.payload, 'base64').toString(), '{this is not json');
      assert.match(bad2.error, /severity/);
      const o = (s: string) => BigInt(s);
      assert.ok(o(first.meta.offset) < o(bad1.offset) && o(bad2.offset) < o(third.meta.offset), 'dead letters keep their offsets');
      // the consumer counts a dead letter after its publish resolved; the DLQ reader can see the
      // record a moment earlier (Kafka), so wait for the counter instead of racing it
      await eventually(() => metrics.deadReasons.length >= 2, 'dead-letter counter', waitMs);
      assert.deepEqual([...metrics.deadReasons].sort(), ['decode_error', 'validation_error']);
    }, timeout);

    g.it('retries a failing handler with backoff, then dead-letters the batch and moves on', async () => {
      const { bus, metrics } = await fresh(ANOMALY_TOPICS);
      const dlq = await dlqOf(bus, Consumers.orchestrator);
      const got: number[] = [];
      let poisonAttempts = 0;
      await bus.subscribe({
        group: Consumers.orchestrator, topic: Topics.anomalies, maxRetries: 2, retryBaseMs: 10, maxBatchSize: 1,
        handle: async (batch) => {
          for (const d of batch) {
            if (d.value.summary.startsWith('poison')) {
              poisonAttempts++;
              throw new Error('poisoned message');
            }
          }
          got.push(...batch.map((d) => seqOf(d.value)));
        },
      });
      const msgs = [1, 2, 3, 4, 5].map((seq) => sampleAnomaly('anomaly-retry-one', seq));
      at(msgs, 2).summary = 'poison pill';
      await bus.publish(Topics.anomalies, msgs);
      await eventually(() => got.length >= 4 && dlq.items.length >= 1, '4 deliveries and 1 dead letter', waitMs);

      assert.deepEqual(got, [1, 2, 4, 5]);
      assert.equal(poisonAttempts, 3, '1 attempt + 2 retries');
      assert.equal(dlq.items.length, 1);
      const letter = at(dlq.values, 0, 'dead letter');
      assert.equal(letter.reason, 'handler_error');
      assert.equal(letter.attempts, 3);
      assert.match(letter.error, /poisoned message/);
      const payload = JSON.parse(Buffer.from(letter.payload, 'base64').toString()) as AnomalyV1;
      assert.equal(payload.occurrences, 3);
      assert.equal(metrics.retriedCount, 2);
      await eventually(() => metrics.deadReasons.length >= 1, 'dead-letter counter', waitMs);
      assert.deepEqual(metrics.deadReasons, ['handler_error']);
    }, timeout);

    g.it('keeps per-key order across many keys and partitions', async () => {
      const { bus } = await fresh(ANOMALY_TOPICS);
      const perKey = new Map<string, number[]>();
      let total = 0;
      await bus.subscribe({
        group: Consumers.orchestrator, topic: Topics.anomalies, maxBatchSize: 37,
        handle: async (batch) => {
          for (const d of batch) {
            const list = perKey.get(d.value.anomalyId) ?? [];
            list.push(seqOf(d.value));
            perKey.set(d.value.anomalyId, list);
            total++;
          }
        },
      });
      const KEYS = 16;
      const PER_KEY = 20;
      const all = Array.from({ length: KEYS * PER_KEY }, (_, i) => sampleAnomaly(`anomaly-order-${i % KEYS}`, Math.floor(i / KEYS) + 1));
      for (let i = 0; i < all.length; i += 100) await bus.publish(Topics.anomalies, all.slice(i, i + 100));
      await eventually(() => total >= KEYS * PER_KEY, `${KEYS * PER_KEY} deliveries`, waitMs);
      await sleep(quietMs);

      assert.equal(total, KEYS * PER_KEY, 'no duplicates without failures');
      const expected = Array.from({ length: PER_KEY }, (_, i) => i + 1);
      for (let k = 0; k < KEYS; k++) assert.deepEqual(perKey.get(`anomaly-order-${k}`), expected, `order of key ${k}`);
    }, timeout);

    g.it('sends the messages of one publish call with an explicit key to one partition, in order', async () => {
      const { bus } = await fresh(ANOMALY_TOPICS);
      const got = new Collector<AnomalyV1>();
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: got.handle });
      const msgs = Array.from({ length: 30 }, (_, i) => sampleAnomaly(`anomaly-keyed-${i}`, i + 1));
      await bus.publish(Topics.anomalies, msgs, { key: 'incident-42' });
      await eventually(() => got.items.length >= 30, '30 deliveries', waitMs);
      assert.deepEqual(got.values.map(seqOf), msgs.map(seqOf));
      assert.ok(got.items.every((d) => d.meta.key === 'incident-42' && d.meta.partition === partitionForKey('incident-42', Topics.anomalies.partitions)));
    }, timeout);

    g.it('delivers every message to each consumer group', async () => {
      const { bus } = await fresh(ANOMALY_TOPICS);
      const a = new Collector<AnomalyV1>();
      const b = new Collector<AnomalyV1>();
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: a.handle });
      await bus.subscribe({ group: Consumers.api, topic: Topics.anomalies, handle: b.handle });
      const msgs = Array.from({ length: 20 }, (_, i) => sampleAnomaly(`anomaly-groups-${i}`, i + 1));
      await bus.publish(Topics.anomalies, msgs);
      await eventually(() => a.items.length >= 20 && b.items.length >= 20, '20 deliveries to each group', waitMs);
      await sleep(quietMs);
      const ids = (c: Collector<AnomalyV1>) => c.values.map((v) => v.anomalyId).sort();
      assert.equal(a.items.length, 20);
      assert.equal(b.items.length, 20);
      assert.deepEqual(ids(a), ids(b));
    }, timeout);

    g.it('stop() finishes the in-flight batch and commits it; a new subscription resumes after it', async () => {
      const { bus } = await fresh(ANOMALY_TOPICS);
      const key = 'anomaly-stop-key';
      await bus.publish(Topics.anomalies, Array.from({ length: 10 }, (_, i) => sampleAnomaly(key, i + 1)));
      const firstRun: number[] = [];
      let entered = false;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const handle = await bus.subscribe<AnomalyV1>({
        group: Consumers.orchestrator, topic: Topics.anomalies, maxBatchSize: 2,
        handle: async (batch) => {
          if (!entered) {
            entered = true;
            await gate;
          }
          firstRun.push(...batch.map((d) => seqOf(d.value)));
        },
      });
      await eventually(() => entered, 'the first batch', waitMs);
      let stopped = false;
      const stopping = handle.stop().then(() => (stopped = true));
      await sleep(100);
      assert.equal(stopped, false, 'stop waits for the in-flight batch');
      release();
      await stopping;
      assert.ok(firstRun.length >= 1, 'the in-flight batch completed');
      assert.deepEqual(firstRun, Array.from({ length: firstRun.length }, (_, i) => i + 1));

      const secondRun = new Collector<AnomalyV1>();
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: secondRun.handle });
      await eventually(() => firstRun.length + secondRun.items.length >= 10, 'the rest', waitMs);
      await sleep(quietMs);
      assert.deepEqual([...firstRun, ...secondRun.values.map(seqOf)], Array.from({ length: 10 }, (_, i) => i + 1), 'no loss, no duplicate');
    }, timeout);

    g.it('redelivers a batch that was not committed when its subscription stopped (at-least-once)', async () => {
      const { bus, metrics } = await fresh(ANOMALY_TOPICS);
      const key = 'anomaly-redeliver-key';
      await bus.publish(Topics.anomalies, Array.from({ length: 6 }, (_, i) => sampleAnomaly(key, i + 1)));
      const firstRun: number[] = [];
      let stopping: Promise<void> | undefined;
      let resolveHandle!: (h: SubscriptionHandle) => void;
      const subscribed = new Promise<SubscriptionHandle>((r) => (resolveHandle = r));
      const sub: Subscription<AnomalyV1> = {
        group: Consumers.orchestrator, topic: Topics.anomalies, maxBatchSize: 1, maxRetries: 5, retryBaseMs: 100,
        handle: async (batch) => {
          const seq = seqOf(at(batch, 0).value);
          if (seq === 4) {
            // the process is going down while this message fails: it must not be committed
            stopping ??= subscribed.then((h) => h.stop());
            throw new Error('crashing mid-way');
          }
          firstRun.push(seq);
        },
      };
      resolveHandle(await bus.subscribe(sub));
      await eventually(() => stopping !== undefined, 'the failing message', waitMs);
      await stopping;
      assert.deepEqual(firstRun, [1, 2, 3]);

      const secondRun = new Collector<AnomalyV1>();
      await bus.subscribe({ group: Consumers.orchestrator, topic: Topics.anomalies, handle: secondRun.handle });
      await eventually(() => secondRun.items.length >= 3, 'the redelivered rest', waitMs);
      await sleep(quietMs);
      assert.deepEqual(secondRun.values.map(seqOf), [4, 5, 6]);
      assert.deepEqual(metrics.deadReasons, [], 'nothing dead-lettered');
    }, timeout);

    g.it('round-trips a binary flow batch and dead-letters a corrupt one', async () => {
      const topics: TopicRef[] = [Topics.flowsEnriched, deadLetterTopic(Consumers.detect)];
      const { bus } = await fresh(topics);
      const dlq = await dlqOf(bus, Consumers.detect);
      const got = new Collector<FlowBatch>();
      await bus.subscribe({ group: Consumers.detect, topic: Topics.flowsEnriched, handle: got.handle });
      const batch = sampleFlowBatch(3_000, 7);
      await bus.publish(Topics.flowsEnriched, [batch], { key: 'eni-contract' });
      await bus.publishRaw(Topics.flowsEnriched, [{ key: 'eni-contract', value: Buffer.from('FGFB but not really a batch') }]);
      await eventually(() => got.items.length >= 1 && dlq.items.length >= 1, 'the batch and the dead letter', waitMs);

      const d = at(got.items, 0, 'delivery');
      const letter = at(dlq.values, 0, 'dead letter');
      assert.equal(d.meta.headers[BusHeaders.contentType], flowBatchCodec.contentType);
      assert.equal(d.value.length, batch.length);
      for (let i = 0; i < batch.length; i++) assert.deepEqual(recordAt(d.value, i), recordAt(batch, i));
      assert.equal(letter.reason, 'decode_error');
      assert.match(letter.error, /invalid flow batch/);
    }, timeout);

    g.it('reports health, and refuses to publish once closed', async () => {
      const { bus } = await fresh(ANOMALY_TOPICS);
      assert.equal((await bus.health()).ok, true);
      await bus.close();
      await assert.rejects(bus.publish(Topics.anomalies, [sampleAnomaly('anomaly-after-close', 1)]));
    }, timeout);
  });
}
