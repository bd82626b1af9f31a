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
import { Consumers, Topics, type AnomalyV1 } from '@flowguard/contracts';
import { eventually, sampleAnomaly } from '@flowguard/messaging';
import { KafkaBus } from './kafka.bus';
import type { KafkaBusConfig } from './kafka.config';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  throw new Error('KAFKA_BROKERS is not set: run the integration suite through the root integration config (it starts Kafka), or `node scripts/servers/servers.mjs up kafka`');
}

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
    expect(after?.restarts).toBe(1);
    expect(after?.joins).toBeGreaterThan(before?.joins ?? 0);
  }, 90_000);
});
