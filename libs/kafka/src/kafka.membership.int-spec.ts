/**
 * Group membership on a real broker (docs/adr/0025): a member whose batch is
 * in flight while the group rebalances cannot rejoin; the coordinator drops it
 * after the rebalance timeout and gives its partitions to the others, but
 * kafkajs keeps the member's last assignment until its loop runs again. The
 * bus asks the coordinator (DescribeGroups) and makes such a member give its
 * partitions up and join afresh.
 * KAFKA_BROKERS is exported by the integration global setup (scripts/servers/).
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Consumers, Topics, type AnomalyV1 } from '@flowguard/contracts';
import { eventually, sampleAnomaly } from '@flowguard/messaging';
import { KafkaBus } from './kafka.bus';
import { intBrokers } from './testing/int-brokers';
import type { KafkaBusConfig } from './kafka.config';
import type { ISocketFactory } from 'kafkajs';

const brokers = intBrokers();

const base: KafkaBusConfig = {
  brokers,
  clientId: 'flowguard-int-membership',
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
  heartbeatIntervalMs: 500,
  sessionTimeoutMs: 10_000,
  // the coordinator drops a member that has not rejoined 3 s into a rebalance
  rebalanceTimeoutMs: 3_000,
  maxWaitTimeMs: 100,
};

const group = Consumers.orchestrator;
const topic = Topics.anomalies;
const partitions = Array.from({ length: topic.partitions }, (_, p) => p);

/** How many of the buses claim each partition. */
function owners(buses: KafkaBus[]): number[] {
  const claimed = buses.flatMap((b) => b.assignments(group, topic).flat());
  return partitions.map((p) => claimed.filter((q) => q === p).length);
}

interface Scenario {
  readonly stuck: KafkaBus;
  readonly other: KafkaBus;
  readonly release: () => void;
  readonly seen: Set<string>;
  readonly sent: string[];
}

/**
 * Member `stuck` owns every partition and is blocked inside its first batch;
 * then `other` joins. The rebalance completes without `stuck` (3 s), `other`
 * owns every partition.
 */
async function dropMemberDuringBatch(open: KafkaBus[], membershipCheckMs: number): Promise<Scenario> {
  const namespace = `it-${randomUUID().slice(0, 8)}.`;
  const stuck = new KafkaBus({ ...base, namespace, membershipCheckMs });
  const other = new KafkaBus({ ...base, namespace, membershipCheckMs });
  open.push(stuck, other);
  await stuck.ensureTopics([topic]);
  const seen = new Set<string>();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let blocked = false;
  await stuck.subscribe<AnomalyV1>({
    group, topic, maxBatchSize: 1,
    handle: async (batch) => {
      if (!blocked) {
        blocked = true;
        await gate;
      }
      for (const d of batch) seen.add(d.value.anomalyId);
    },
  });
  await eventually(() => owners([stuck]).every((n) => n === 1), 'the first member owning every partition', 30_000);
  const sent = Array.from({ length: 12 }, (_, i) => `anomaly-membership-${i}`);
  await stuck.publish(topic, sent.map((id) => sampleAnomaly(id, 1)));
  await eventually(() => blocked, 'a batch blocked in the first member', 30_000);
  await other.subscribe<AnomalyV1>({ group, topic, handle: async (batch) => void batch.forEach((d) => seen.add(d.value.anomalyId)) });
  expect(other.assignments(group, topic)).toEqual([partitions]);
  return { stuck, other, release, seen, sent };
}

describe('KafkaBus group membership on a real broker', () => {
  const open: KafkaBus[] = [];
  let release: (() => void) | null = null;
  afterEach(async () => {
    release?.();
    await Promise.all(open.splice(0).map((b) => b.close()));
  }, 60_000);

  it('without membership checks, a member dropped while its batch is in flight keeps claiming its partitions (the failure mode)', async () => {
    const s = await dropMemberDuringBatch(open, 0);
    release = s.release;
    // give the stuck member several heartbeat intervals: it still claims what the coordinator gave away
    await new Promise((r) => setTimeout(r, 3_000));
    expect(s.stuck.assignments(group, topic)).toEqual([partitions]);
    expect(owners([s.stuck, s.other])).toEqual(partitions.map(() => 2));
  }, 90_000);

  it('with membership checks, the dropped member gives its partitions up at once and rejoins when its batch ends', async () => {
    const s = await dropMemberDuringBatch(open, 500);
    release = s.release;
    // while the batch is still blocked: every partition has exactly one owner (the member that is in the group)
    await eventually(() => owners([s.stuck, s.other]).every((n) => n === 1), 'exactly one owner per partition while the batch is blocked', 15_000);
    expect(s.stuck.assignments(group, topic)).toEqual([[]]);
    const [before] = s.stuck.membership(group, topic);
    expect(before?.restarting).toBe(true);

    s.release();
    // recovery: the member joins again, the two split the partitions, every message is handled
    await eventually(() => {
      const a = s.stuck.assignments(group, topic).flat();
      const b = s.other.assignments(group, topic).flat();
      return a.length > 0 && b.length > 0 && owners([s.stuck, s.other]).every((n) => n === 1);
    }, 'both members sharing the partitions again', 30_000);
    await eventually(() => s.sent.every((id) => s.seen.has(id)), 'every message handled', 30_000);
    const [after] = s.stuck.membership(group, topic);
    expect(after?.restarts).toBeGreaterThanOrEqual(1);
    expect(after?.joins).toBeGreaterThan(before?.joins ?? 0);
  }, 90_000);

  it('a member whose connections stop answering is dropped by the coordinator and, once the network is back, joins again on fresh connections', async () => {
    // half-open connections: the sockets stop carrying anything but never report a close (kafkajs only
    // listens for end/error), and new connections never complete; kafkajs keeps timing out on the old
    // ones, its heartbeats stop, the coordinator expires the member and empties the group
    const live = new Set<net.Socket>();
    let cut = false;
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      if (cut) return new net.Socket();
      const socket = net.connect({ host, port }, onConnect);
      live.add(socket);
      socket.on('close', () => live.delete(socket));
      return socket;
    };
    const bus = new KafkaBus({
      ...base, namespace: `it-${randomUUID().slice(0, 8)}.`, socketFactory, membershipCheckMs: 500,
      sessionTimeoutMs: 6_000, requestTimeoutMs: 3_000, connectionTimeoutMs: 1_000,
    });
    // the producer is a client of its own (the cut is about the consumer)
    const producer = new KafkaBus({ ...base, namespace: bus.topicName({ name: '' }) });
    open.push(bus, producer);
    await bus.ensureTopics([topic]);
    const seen = new Set<string>();
    await bus.subscribe<AnomalyV1>({ group, topic, handle: async (batch) => void batch.forEach((d) => seen.add(d.value.anomalyId)) });
    await eventually(() => owners([bus]).every((n) => n === 1), 'the member owning every partition', 30_000);
    await producer.publish(topic, [sampleAnomaly('anomaly-before-cut', 1)]);
    await eventually(() => seen.has('anomaly-before-cut'), 'a message before the cut', 30_000);

    cut = true;
    for (const socket of live) socket.destroy();
    await new Promise((r) => setTimeout(r, 9_000)); // longer than the session timeout
    cut = false;

    // recovery on fresh connections: whichever comes first, kafkajs giving up on its request timeouts
    // (a crash it restarts from) or the bus seeing the empty group (a restart of its own)
    await eventually(() => {
      const [m] = bus.membership(group, topic);
      return (m?.crashes ?? 0) + (m?.restarts ?? 0) >= 1 && owners([bus]).every((n) => n === 1);
    }, 'the member back in the group and owning every partition', 20_000);
    await producer.publish(topic, [sampleAnomaly('anomaly-after-cut', 1)]);
    await eventually(() => seen.has('anomaly-after-cut'), 'a message after the cut', 20_000);
  }, 90_000);

  it('a member whose rejoin cannot find the coordinator is stopped for good by kafkajs; the bus restarts it', async () => {
    // kafkajs' coordinator lookup retries only COORDINATOR_NOT_AVAILABLE; any other failure (here a
    // request that is never answered) becomes the non-retriable KafkaJSGroupCoordinatorNotFound and
    // the consumer crashes without restarting, after leaving the group: the CI hang's shape
    let silent = false;
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      const socket = net.connect({ host, port }, onConnect);
      const write = socket.write.bind(socket) as (chunk: Uint8Array | string) => boolean;
      (socket as unknown as { write: (chunk: Uint8Array | string) => boolean }).write = (chunk) => (silent ? true : write(chunk));
      return socket;
    };
    const logger = {
      // the member's requests go unanswered from the moment kafkajs starts to rejoin
      info: (message: string) => void (message.startsWith('consumer group is rebalancing') && (silent = true)),
      warn: () => undefined,
      error: (message: string, ctx?: Record<string, unknown>) => {
        if (message !== 'kafka consumer crashed') return;
        crashes.push(ctx ?? {});
        silent = false;
      },
    };
    const crashes: Array<Record<string, unknown>> = [];
    const namespace = `it-${randomUUID().slice(0, 8)}.`;
    const lost = new KafkaBus({ ...base, namespace, socketFactory, logger, requestTimeoutMs: 2_000, membershipCheckMs: 500 });
    const other = new KafkaBus({ ...base, namespace, membershipCheckMs: 500 });
    open.push(lost, other);
    await lost.ensureTopics([topic]);
    await lost.subscribe<AnomalyV1>({ group, topic, handle: async () => undefined });
    await eventually(() => owners([lost]).every((n) => n === 1), 'the first member owning every partition', 30_000);
    await other.subscribe<AnomalyV1>({ group, topic, handle: async () => undefined });

    await eventually(() => (lost.membership(group, topic)[0]?.crashes ?? 0) >= 1, 'the first member crashing on its rejoin', 30_000);
    expect(crashes[0]).toMatchObject({ restart: false, error: expect.stringContaining('Failed to find group coordinator') });
    // it claims nothing while it is down, and it is back, sharing the partitions, soon after
    await eventually(() => {
      const a = lost.assignments(group, topic).flat();
      const b = other.assignments(group, topic).flat();
      return a.length > 0 && b.length > 0 && owners([lost, other]).every((n) => n === 1);
    }, 'both members sharing the partitions again', 30_000);
    expect(lost.membership(group, topic)[0]?.restarts).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
