import { Consumers, Topics, type AnomalyV1 } from '@flowguard/contracts';
import type { Delivered } from '../bus.port';
import { eventually } from '../testing/bus-contract.suite';
import { sampleAnomaly } from '../testing/fixtures';
import { InProcessBus } from './in-process.bus';
import { BusClosedError } from './topic-state';

const anomalies = (n: number, key = 'anomaly-mem-key') => Array.from({ length: n }, (_, i) => sampleAnomaly(key, i + 1));
// the size a message counts against the bound (sequence numbers up to 99 keep every message this size or smaller)
const MSG = Topics.anomalies.codec.encode(sampleAnomaly('anomaly-mem-key', 99)).byteLength + 64 + 'anomaly-mem-key'.length;
const statsOf = (bus: InProcessBus) => {
  const s = bus.stats().find((t) => t.topic === Topics.anomalies.name);
  if (!s) throw new Error('no stats for the anomalies topic');
  return s;
};

describe('InProcessBus memory bound', () => {
  let bus: InProcessBus;
  afterEach(() => bus.close());

  it('makes publishers wait while an active group lags, and lets them go as it catches up', async () => {
    bus = new InProcessBus({ maxQueuedBytesPerTopic: MSG * 5 });
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribe<AnomalyV1>({
      group: Consumers.orchestrator, topic: Topics.anomalies, maxBatchSize: 2,
      handle: async (b: ReadonlyArray<Delivered<AnomalyV1>>) => {
        await gate;
        seen.push(...b.map((d) => d.value.occurrences));
      },
    });
    let published = false;
    const publishing = bus.publish(Topics.anomalies, anomalies(40)).then(() => (published = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(published).toBe(false);
    const s = statsOf(bus);
    expect(s.queuedBytes).toBeLessThanOrEqual(MSG * 5);
    expect(s.waitingPublishers).toBe(1);
    release();
    await publishing;
    await eventually(() => seen.length === 40, '40 deliveries', 2_000);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await eventually(() => statsOf(bus).queuedBytes === 0, 'released memory', 2_000);
    expect(statsOf(bus).evicted).toBe(0);
  });

  it('retains the newest messages of a topic nobody consumes, like size-based retention', async () => {
    const warnings: string[] = [];
    bus = new InProcessBus({
      maxQueuedBytesPerTopic: MSG * 5,
      logger: { info: () => undefined, error: () => undefined, warn: (m) => void warnings.push(m) },
    });
    await bus.publish(Topics.anomalies, anomalies(30));
    const s = statsOf(bus);
    expect(s.queuedMessages).toBe(5);
    expect(s.evicted).toBe(25);
    expect(warnings.length).toBeGreaterThan(0);
    const seen: number[] = [];
    await bus.subscribe<AnomalyV1>({ group: Consumers.api, topic: Topics.anomalies, handle: async (b) => void seen.push(...b.map((d) => d.value.occurrences)) });
    await eventually(() => seen.length === 5, 'the retained tail', 2_000);
    expect(seen).toEqual([26, 27, 28, 29, 30]);
  });

  it('does not block publishers on a stopped group; it resumes from the oldest retained message', async () => {
    bus = new InProcessBus({ maxQueuedBytesPerTopic: MSG * 4 });
    const seen: number[] = [];
    const handle = async (b: ReadonlyArray<Delivered<AnomalyV1>>) => void seen.push(...b.map((d) => d.value.occurrences));
    const h = await bus.subscribe<AnomalyV1>({ group: Consumers.api, topic: Topics.anomalies, handle });
    await bus.publish(Topics.anomalies, anomalies(2));
    await eventually(() => seen.length === 2, 'first two', 2_000);
    await h.stop();
    await bus.publish(Topics.anomalies, anomalies(10).slice(2)); // 3..10 while stopped: only 4 fit
    await bus.subscribe<AnomalyV1>({ group: Consumers.api, topic: Topics.anomalies, handle });
    await eventually(() => seen.length === 6, 'retained rest', 2_000);
    expect(seen).toEqual([1, 2, 7, 8, 9, 10]);
  });

  it('admits one message larger than the bound into an empty topic', async () => {
    bus = new InProcessBus({ maxQueuedBytesPerTopic: 100 });
    await bus.publish(Topics.anomalies, anomalies(1));
    expect(statsOf(bus).queuedMessages).toBe(1);
  });

  it('releases memory once every group has committed', async () => {
    bus = new InProcessBus();
    let a = 0;
    let b = 0;
    await bus.subscribe<AnomalyV1>({ group: Consumers.api, topic: Topics.anomalies, handle: async (x) => void (a += x.length) });
    await bus.publish(Topics.anomalies, anomalies(10));
    await eventually(() => a === 10, 'group api', 2_000);
    expect(statsOf(bus).queuedMessages).toBe(0);
    // a group that joins later with fromBeginning=false sees only new messages
    await bus.subscribe<AnomalyV1>({ group: Consumers.platform, topic: Topics.anomalies, fromBeginning: false, handle: async (x) => void (b += x.length) });
    await bus.publish(Topics.anomalies, anomalies(3));
    await eventually(() => a === 13 && b === 3, 'both groups', 2_000);
    await eventually(() => statsOf(bus).queuedBytes === 0, 'released memory', 2_000);
  });

  it('rejects a second member of one group in one process', async () => {
    bus = new InProcessBus();
    const sub = { group: Consumers.api, topic: Topics.anomalies, handle: async () => undefined };
    await bus.subscribe(sub);
    await expect(bus.subscribe(sub)).rejects.toThrow(/one member per group/);
  });

  it('close() stops consumers gracefully, fails a publisher still waiting for space, then refuses new publishes', async () => {
    bus = new InProcessBus({ maxQueuedBytesPerTopic: MSG * 2 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let handled = 0;
    await bus.subscribe<AnomalyV1>({ group: Consumers.api, topic: Topics.anomalies, handle: async (b) => {
      await gate;
      handled += b.length;
    } });
    const publishing = bus.publish(Topics.anomalies, anomalies(10));
    await new Promise((r) => setTimeout(r, 20));
    expect(statsOf(bus).waitingPublishers).toBe(1);
    const closing = bus.close();
    release();
    await closing;
    await expect(publishing).rejects.toBeInstanceOf(BusClosedError);
    expect(handled).toBeGreaterThan(0);
    await expect(bus.publish(Topics.anomalies, anomalies(1))).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.health()).resolves.toMatchObject({ ok: false });
  });
});
