/**
 * One consumer (one group member) per subscription, driven by `eachBatch`
 * with manual offset handling: a chunk of at most `maxBatchSize` messages goes
 * through the shared core, and only then is its last offset resolved and
 * committed. Anything the core did not finish stays unresolved, so kafkajs
 * fetches it again (or the next owner of the partition gets it).
 *
 * Membership (docs/adr/0025): `assigned` is what the last group join gave this
 * member, and it is cleared as soon as the member knows it owns nothing any
 * more (a crash, a stop, or the coordinator's view saying it was dropped). A
 * heartbeat during a batch that reports a rebalance ends the batch after the
 * running chunk and hands the error to kafkajs, which rejoins. A consumer that
 * kafkajs does not restart, or that the coordinator dropped while kafkajs did
 * not notice, is restarted here (stop, run: a fresh join).
 */
import type { ConsumerName } from '@flowguard/contracts';
import {
  DEFAULT_MAX_BATCH_SIZE, StopSignal, backoffMs, errorText, processBatch,
  type BatchProcessorDeps, type BusLogger, type Clock, type RawMessage, type Subscription, type SubscriptionHandle,
} from '@flowguard/messaging';
import type { Consumer, ConsumerRunConfig, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { isMembershipError, judgeMembership, type BrokerGroupView, type MembershipVerdict } from './group-membership';

export interface KafkaSubscriptionDeps {
  readonly consumer: Consumer;
  readonly topicName: string;
  readonly core: BatchProcessorDeps;
  readonly logger: BusLogger;
  readonly clock: Clock;
  readonly heartbeatIntervalMs: number;
  readonly partitionsConsumedConcurrently: number;
  /** physical group id (for logs and the coordinator's view) */
  readonly groupId: string;
  /**
   * A member that kafkajs is rejoining is not judged for this long (the join may
   * legitimately wait for the rest of the group); after it, the join is taken as stuck.
   */
  readonly joinGraceMs: number;
}

/** A member's own account of its membership, for diagnostics (`KafkaBus.membership()`). */
export interface MembershipSnapshot {
  readonly groupId: string;
  readonly topic: string;
  readonly memberId: string | null;
  /** generation of the last successful heartbeat (kafkajs reports it there, not on join) */
  readonly generationId: number | null;
  readonly assigned: number[];
  readonly joinedAt: number;
  /** epoch ms kafkajs started to rejoin (0 = not rejoining) */
  readonly rejoiningSince: number;
  readonly lastHeartbeatAt: number;
  readonly lastError: string | null;
  readonly joins: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly restarting: boolean;
}

/** Backoff of restarts after crashes kafkajs does not restart from. */
const RESTART_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000] as const;

export function headersToRecord(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return out;
}

function toRaw(partition: number, m: KafkaMessage): RawMessage {
  return {
    value: m.value,
    key: m.key ? m.key.toString('utf8') : null,
    partition,
    offset: m.offset,
    headers: headersToRecord(m.headers),
    timestamp: Number(m.timestamp),
  };
}

export class KafkaSubscription<T> implements SubscriptionHandle {
  private readonly stopSignal = new StopSignal();
  private stopped: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** partitions this member owns: from its last group join; emptied when it knows it lost them */
  assigned: number[] = [];
  /** set while the consumer is down after a crash kafkajs does not restart from (this class restarts it) */
  failed: string | null = null;
  private memberId: string | null = null;
  private generationId: number | null = null;
  private joinedAt = 0;
  /** when kafkajs started to rejoin (a rebalance seen by its loop); 0 = not rejoining */
  private rejoiningSince = 0;
  private lastHeartbeatAt = 0;
  private lastError: string | null = null;
  private joins = 0;
  private crashes = 0;
  private restarts = 0;
  /** consecutive stale verdicts of the coordinator's view; two in a row trigger a restart */
  private staleVerdicts = 0;
  private restarting: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private runConfig: ConsumerRunConfig | null = null;

  constructor(
    readonly sub: Subscription<T>,
    private readonly deps: KafkaSubscriptionDeps,
    private readonly onStopped: () => void,
  ) {}

  get group(): ConsumerName {
    return this.sub.group;
  }

  get groupId(): string {
    return this.deps.groupId;
  }

  async start(): Promise<void> {
    const { consumer, topicName } = this.deps;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned = [...(e.payload.memberAssignment[topicName] ?? [])].sort((a, b) => a - b);
      this.memberId = e.payload.memberId;
      this.joinedAt = Date.now();
      this.rejoiningSince = 0;
      this.joins++;
      this.staleVerdicts = 0;
      this.failed = null;
      this.deps.logger.info('joined consumer group', {
        group: e.payload.groupId, topic: topicName, partitions: this.assigned, memberId: e.payload.memberId, leader: e.payload.isLeader,
      });
    });
    consumer.on(consumer.events.HEARTBEAT, (e) => {
      this.generationId = e.payload.groupGenerationId;
      this.lastHeartbeatAt = Date.now();
    });
    consumer.on(consumer.events.REBALANCING, (e) => {
      this.rejoiningSince = Date.now();
      this.deps.logger.info('consumer group is rebalancing; rejoining', { group: e.payload.groupId, topic: topicName, memberId: e.payload.memberId });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs left the group on its way down (disconnect): this member owns nothing until it joins again
      this.assigned = [];
      this.rejoiningSince = 0;
      this.crashes++;
      this.lastError = errorText(e.payload.error);
      this.deps.logger.error('kafka consumer crashed', {
        group: e.payload.groupId, topic: topicName, error: errorText(e.payload.error), restart: e.payload.restart,
      });
      if (!e.payload.restart) {
        this.failed = errorText(e.payload.error);
        this.scheduleRestart(`crashed and kafkajs does not restart it: ${this.failed}`);
      }
    });
    consumer.on(consumer.events.STOP, () => {
      this.assigned = [];
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicName], fromBeginning: this.sub.fromBeginning ?? true });
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.deps.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.track(this.eachBatch(payload)),
    };
    await consumer.run(this.runConfig);
  }

  membership(): MembershipSnapshot {
    return {
      groupId: this.deps.groupId, topic: this.deps.topicName, memberId: this.memberId, generationId: this.generationId,
      assigned: [...this.assigned], joinedAt: this.joinedAt, lastHeartbeatAt: this.lastHeartbeatAt, lastError: this.lastError,
      joins: this.joins, crashes: this.crashes, restarts: this.restarts, restarting: this.restarting !== null,
      rejoiningSince: this.rejoiningSince,
    };
  }

  /**
   * Compare with the coordinator's view of this member's group, taken at
   * `viewTakenAt`. Two stale verdicts in a row (no join in between): the member
   * gives its partitions up at once and is restarted, i.e. joins afresh.
   */
  checkMembership(view: BrokerGroupView | undefined, viewTakenAt: number): MembershipVerdict {
    if (this.stopping || this.restarting) return { kind: 'unsettled', reason: this.stopping ? 'stopping' : 'restarting' };
    if (this.rejoiningSince > 0 && Date.now() - this.rejoiningSince < this.deps.joinGraceMs) return { kind: 'unsettled', reason: 'rejoining' };
    const verdict: MembershipVerdict = view
      ? judgeMembership({ memberId: this.memberId, topic: this.deps.topicName, assigned: this.assigned, joinedAt: this.joinedAt }, view, viewTakenAt)
      : { kind: 'unsettled', reason: 'the coordinator did not describe the group' };
    if (verdict.kind !== 'stale') {
      if (verdict.kind === 'ok') this.staleVerdicts = 0;
      return verdict;
    }
    this.staleVerdicts++;
    this.deps.logger.warn('the coordinator does not confirm this member\'s assignment', {
      group: this.deps.groupId, topic: this.deps.topicName, reason: verdict.reason, generationId: this.generationId, times: this.staleVerdicts,
    });
    if (this.staleVerdicts >= 2) {
      this.assigned = [];
      void this.restart(`stale membership: ${verdict.reason}`);
    }
    return verdict;
  }

  private scheduleRestart(reason: string): void {
    if (this.stopping || this.restartTimer) return;
    const wait = RESTART_BACKOFF_MS[Math.min(this.crashes, RESTART_BACKOFF_MS.length) - 1] ?? RESTART_BACKOFF_MS[0];
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart(reason);
    }, wait);
    this.restartTimer.unref();
  }

  /**
   * Disconnect the kafkajs consumer (it leaves the group if it still is a
   * member, and closes its connections: kafkajs keeps using a connection that
   * stopped answering) and connect, subscribe and run it again: a fresh join.
   */
  private restart(reason: string): Promise<void> {
    if (this.stopping || this.restarting) return this.restarting ?? Promise.resolve();
    const { consumer, logger, topicName, groupId } = this.deps;
    this.restarting = (async () => {
      this.restarts++;
      this.assigned = [];
      logger.error('restarting the kafka consumer', { group: groupId, topic: topicName, memberId: this.memberId, generationId: this.generationId, reason });
      try {
        // waits for a running eachBatch; the stop signal is not triggered, so a healthy handler finishes its chunk
        await consumer.disconnect();
        if (this.stopping || !this.runConfig) return;
        this.memberId = null;
        await consumer.connect();
        await consumer.subscribe({ topics: [topicName], fromBeginning: this.sub.fromBeginning ?? true });
        await consumer.run(this.runConfig);
      } catch (e) {
        this.lastError = errorText(e);
        this.failed = `restart failed: ${errorText(e)}`;
        logger.error('could not restart the kafka consumer; trying again', { group: groupId, topic: topicName, error: errorText(e) });
        this.crashes++;
        this.restarting = null;
        this.scheduleRestart(`restart failed: ${errorText(e)}`);
      }
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  private get stopping(): boolean {
    return this.stopSignal.isStopping();
  }

  private track<R>(p: Promise<R>): Promise<R> {
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const max = Math.max(1, this.sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i += max) {
      if (this.stopSignal.isStopping() || !isRunning() || isStale()) return;
      const chunk = messages.slice(i, i + max);
      // keep the group membership alive while a slow handler or a retry backoff runs; a heartbeat
      // that says the group is rebalancing (or dropped this member) ends the batch after this chunk,
      // and the error goes to kafkajs so it rejoins now instead of after the rest of the batch
      let lost: unknown = null;
      const beat = setInterval(() => {
        heartbeat().catch((e: unknown) => {
          this.lastError = errorText(e);
          if (isMembershipError(e)) {
            lost ??= e;
            clearInterval(beat);
            this.deps.logger.warn('group membership lost during a batch; rejoining after the running chunk', {
              group: this.deps.groupId, topic: batch.topic, partition: batch.partition, error: errorText(e),
            });
          } else {
            this.deps.logger.warn('heartbeat failed during a batch', { topic: batch.topic, error: errorText(e) });
          }
        });
      }, this.deps.heartbeatIntervalMs);
      let committable = false;
      try {
        const outcome = await processBatch(this.sub, batch.topic, chunk.map((m) => toRaw(batch.partition, m)), this.deps.core, this.stopSignal);
        committable = outcome.kind === 'commit';
      } catch (e) {
        // the dead-letter topic could not be written: leave the chunk unresolved so it is fetched again
        this.deps.logger.error('could not finish a batch; it stays uncommitted', {
          topic: batch.topic, group: this.sub.group, partition: batch.partition, error: errorText(e),
        });
        await Promise.race([this.deps.clock.sleep(backoffMs(this.sub.retryBaseMs ?? 200, 3)), this.stopSignal.stopped]);
      } finally {
        clearInterval(beat);
      }
      if (!committable) {
        if (lost) throw lost;
        return;
      }
      const last = (chunk[chunk.length - 1] as KafkaMessage).offset;
      resolveOffset(last);
      // while the group prepares a rebalance the coordinator still takes commits of the current
      // generation: what this chunk did is kept; if it is refused, that error goes to kafkajs instead
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
      });
      if (lost) throw lost;
      await heartbeat();
    }
  }

  stop(): Promise<void> {
    if (!this.stopped) {
      this.stopSignal.trigger();
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.stopped = (async () => {
        try {
          // a restart under way finishes its join first (it checks the stop signal before running again)
          await this.restarting;
          // consumer.stop() waits for the running eachBatch, then leaves the group
          await this.deps.consumer.stop();
          await Promise.allSettled([...this.inFlight]);
          await this.deps.consumer.disconnect();
        } catch (e) {
          this.deps.logger.warn('error while stopping a consumer', { topic: this.deps.topicName, group: this.sub.group, error: errorText(e) });
        } finally {
          this.onStopped();
        }
      })();
    }
    return this.stopped;
  }
}
