/**
 * KafkaSubscription's membership bookkeeping against a scripted kafkajs
 * consumer (the real-broker behaviour is in kafka.membership.int-spec.ts).
 */
import { Consumers, Topics } from '@flowguard/contracts';
import { noopBusMetrics, silentBusLogger, systemClock } from '@flowguard/messaging';
import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { BrokerGroupView } from './group-membership';
import { KafkaSubscription } from './kafka.subscription';

const TOPIC = 'ns.flowguard.anomalies.v1';
const GROUP_ID = 'ns.flowguard-orchestrator.flowguard.anomalies.v1';
const EVENTS = {
  GROUP_JOIN: 'consumer.group_join', HEARTBEAT: 'consumer.heartbeat', REBALANCING: 'consumer.rebalancing',
  CRASH: 'consumer.crash', STOP: 'consumer.stop',
} as const;

/** Just enough of a kafkajs consumer: listeners, and a record of run/disconnect calls. */
class ScriptedConsumer {
  readonly events = EVENTS;
  readonly runs: ConsumerRunConfig[] = [];
  disconnects = 0;
  private readonly listeners = new Map<string, Array<(e: unknown) => void>>();

  on(name: string, fn: (e: unknown) => void): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }

  emit(name: string, payload: Record<string, unknown>): void {
    for (const fn of this.listeners.get(name) ?? []) fn({ id: 0, type: name, timestamp: Date.now(), payload });
  }

  join(memberId: string, partitions: number[]): void {
    this.emit(EVENTS.GROUP_JOIN, { groupId: GROUP_ID, memberId, leaderId: memberId, isLeader: true, memberAssignment: { [TOPIC]: partitions }, groupProtocol: 'x', duration: 1 });
  }

  connect = async (): Promise<void> => undefined;
  subscribe = async (): Promise<void> => undefined;
  run = async (config: ConsumerRunConfig): Promise<void> => void this.runs.push(config);
  stop = async (): Promise<void> => this.emit(EVENTS.STOP, {});
  /** kafkajs: stop (leave the group), then close every connection */
  disconnect = async (): Promise<void> => {
    this.disconnects++;
    await this.stop();
  };
}

function subscription(consumer: ScriptedConsumer): KafkaSubscription<unknown> {
  return new KafkaSubscription(
    { group: Consumers.orchestrator, topic: Topics.anomalies, handle: async () => undefined } as never,
    {
      consumer: consumer as unknown as Consumer, topicName: TOPIC, groupId: GROUP_ID,
      core: { deadLetter: async () => undefined, metrics: noopBusMetrics, logger: silentBusLogger, clock: systemClock },
      logger: silentBusLogger, clock: systemClock, heartbeatIntervalMs: 1_000, partitionsConsumedConcurrently: 1, joinGraceMs: 60_000,
    },
    () => undefined,
  );
}

const view = (state: string, members: Array<[string, number[]]>): BrokerGroupView => ({
  groupId: GROUP_ID, state, members: members.map(([memberId, p]) => ({ memberId, clientId: 'c', assignment: { [TOPIC]: p } })),
});
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('KafkaSubscription membership', () => {
  afterEach(() => jest.useRealTimers());

  it('gives its partitions up when kafkajs crashes and restarts a consumer kafkajs does not restart', async () => {
    jest.useFakeTimers();
    const consumer = new ScriptedConsumer();
    const sub = subscription(consumer);
    await sub.start();
    consumer.join('m-1', [1, 3, 5]);
    expect(sub.assigned).toEqual([1, 3, 5]);

    consumer.emit(EVENTS.CRASH, { error: Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' }), groupId: GROUP_ID, restart: false });
    // the crashed consumer left the group: it owns nothing, and health reports it
    expect(sub.assigned).toEqual([]);
    expect(sub.failed).toContain('Failed to find group coordinator');
    expect(consumer.runs).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1_000);
    await flush();
    expect(consumer.disconnects).toBe(1);
    expect(consumer.runs).toHaveLength(2);
    consumer.join('m-2', [0, 3]);
    expect(sub.failed).toBeNull();
    expect(sub.membership()).toMatchObject({ memberId: 'm-2', assigned: [0, 3], crashes: 1, restarts: 1, joins: 2 });
  });

  it('leaves a crash kafkajs restarts itself to kafkajs, but owns nothing until the next join', async () => {
    jest.useFakeTimers();
    const consumer = new ScriptedConsumer();
    const sub = subscription(consumer);
    await sub.start();
    consumer.join('m-1', [0, 1, 2]);
    consumer.emit(EVENTS.CRASH, { error: new Error('Request timed out'), groupId: GROUP_ID, restart: true });
    expect(sub.assigned).toEqual([]);
    expect(sub.failed).toBeNull();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(consumer.runs).toHaveLength(1);
  });

  it('restarts after two stale verdicts of the coordinator in a row, and not for one or during a rebalance', async () => {
    const consumer = new ScriptedConsumer();
    const sub = subscription(consumer);
    await sub.start();
    consumer.join('m-b', [1, 3, 5]);
    const later = Date.now() + 1;

    expect(sub.checkMembership(view('PreparingRebalance', [['m-a', [0, 2, 4]]]), later).kind).toBe('unsettled');
    expect(sub.checkMembership(view('Stable', [['m-a', [0, 2, 4]], ['m-c', [1, 3, 5]]]), later).kind).toBe('stale');
    expect(sub.assigned).toEqual([1, 3, 5]); // one verdict may be a race with a join in flight
    expect(sub.checkMembership(view('Stable', [['m-a', [0, 2, 4]], ['m-c', [1, 3, 5]]]), later).kind).toBe('stale');
    expect(sub.assigned).toEqual([]);
    await flush();
    expect(consumer.disconnects).toBe(1);
    expect(consumer.runs).toHaveLength(2);
    consumer.join('m-b2', [2, 5]);
    expect(sub.checkMembership(view('Stable', [['m-a', [0, 3]], ['m-b2', [2, 5]], ['m-c', [1, 4]]]), Date.now() + 1).kind).toBe('ok');
  });

  it('a confirmed member resets the count of stale verdicts', async () => {
    const consumer = new ScriptedConsumer();
    const sub = subscription(consumer);
    await sub.start();
    consumer.join('m-b', [1, 4]);
    const later = Date.now() + 1;
    sub.checkMembership(view('Stable', [['m-a', [0, 2, 3, 4, 5]]]), later);
    sub.checkMembership(view('Stable', [['m-a', [0, 3]], ['m-b', [1, 4]]]), later);
    sub.checkMembership(view('Stable', [['m-a', [0, 2, 3, 4, 5]]]), later);
    expect(sub.assigned).toEqual([1, 4]);
    expect(consumer.runs).toHaveLength(1);
  });

  it('does not judge a member kafkajs is rejoining, unless the join takes longer than the grace', async () => {
    jest.useFakeTimers();
    const consumer = new ScriptedConsumer();
    const sub = subscription(consumer);
    await sub.start();
    consumer.join('m-b', [1, 3, 5]);
    consumer.emit(EVENTS.REBALANCING, { groupId: GROUP_ID, memberId: 'm-b' });
    const dropped = view('Stable', [['m-a', [0, 2, 4]], ['m-c', [1, 3, 5]]]);
    expect(sub.checkMembership(dropped, Date.now() + 1).kind).toBe('unsettled');
    expect(sub.checkMembership(dropped, Date.now() + 1).kind).toBe('unsettled');
    expect(sub.assigned).toEqual([1, 3, 5]);
    jest.advanceTimersByTime(60_000);
    expect(sub.checkMembership(dropped, Date.now() + 1).kind).toBe('stale');
    expect(sub.checkMembership(dropped, Date.now() + 1).kind).toBe('stale');
    expect(sub.assigned).toEqual([]);
  });
});
