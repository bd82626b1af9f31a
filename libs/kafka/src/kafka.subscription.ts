/**
 * One consumer (one group member) per subscription, driven by `eachBatch`
 * with manual offset handling: a chunk of at most `maxBatchSize` messages goes
 * through the shared core, and only then is its last offset resolved and
 * committed. Anything the core did not finish stays unresolved, so kafkajs
 * fetches it again (or the next owner of the partition gets it).
 */
import type { ConsumerName } from '@flowguard/contracts';
import {
  DEFAULT_MAX_BATCH_SIZE, StopSignal, backoffMs, errorText, processBatch,
  type BatchProcessorDeps, type BusLogger, type Clock, type RawMessage, type Subscription, type SubscriptionHandle,
} from '@flowguard/messaging';
import type { Consumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';

export interface KafkaSubscriptionDeps {
  readonly consumer: Consumer;
  readonly topicName: string;
  readonly core: BatchProcessorDeps;
  readonly logger: BusLogger;
  readonly clock: Clock;
  readonly heartbeatIntervalMs: number;
  readonly partitionsConsumedConcurrently: number;
}

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
  private stopping: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** partitions currently assigned to this member, from the group-join event */
  assigned: number[] = [];
  /** set when kafkajs gave up on this consumer (a crash it does not restart from) */
  failed: string | null = null;

  constructor(
    readonly sub: Subscription<T>,
    private readonly deps: KafkaSubscriptionDeps,
    private readonly onStopped: () => void,
  ) {}

  get group(): ConsumerName {
    return this.sub.group;
  }

  async start(): Promise<void> {
    const { consumer, topicName } = this.deps;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assigned = [...(e.payload.memberAssignment[topicName] ?? [])].sort((a, b) => a - b);
      this.deps.logger.info('joined consumer group', { group: e.payload.groupId, topic: topicName, partitions: this.assigned });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.failed = errorText(e.payload.error);
      this.deps.logger.error('kafka consumer crashed', {
        group: e.payload.groupId, topic: topicName, error: errorText(e.payload.error), restart: e.payload.restart,
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicName], fromBeginning: this.sub.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.deps.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.track(this.eachBatch(payload)),
    });
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
      // keep the group membership alive while a slow handler or a retry backoff runs
      const beat = setInterval(() => {
        heartbeat().catch((e: unknown) => this.deps.logger.warn('heartbeat failed during a batch', { topic: batch.topic, error: errorText(e) }));
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
      if (!committable) return;
      const last = (chunk[chunk.length - 1] as KafkaMessage).offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
      });
      await heartbeat();
    }
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopSignal.trigger();
      this.stopping = (async () => {
        try {
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
    return this.stopping;
  }
}
