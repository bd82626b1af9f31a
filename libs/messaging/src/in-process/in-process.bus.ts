/**
 * The embedded-mode bus: Kafka's delivery semantics inside one process.
 *
 * - topics have the registry's partition count; a key picks its partition with
 *   Kafka's murmur2 partitioner, so partition numbers match a real cluster;
 * - messages are stored encoded and decoded on delivery with the topic codec,
 *   so validation and dead-lettering behave exactly as with Kafka;
 * - every consumer group gets every message; one process hosts one member per
 *   group, so the group's handler runs once per partition, partitions in parallel;
 * - offsets are committed per group after the shared core finished a batch;
 *   a group that stops and subscribes again resumes from its committed offset
 *   and gets any uncommitted batch again (at-least-once);
 * - memory is bounded per topic with backpressure (see TopicState).
 */
import { deadLetterTopic, type TopicDef } from '@flowguard/contracts';
import {
  BusHeaders, noopBusMetrics, silentBusLogger, type Bus, type BusHealth, type BusLogger, type BusMetrics,
  type PublishOptions, type RawPublisher, type TopicRef, type RawRecord, type Subscription, type SubscriptionHandle,
} from '../bus.port';
import {
  DEFAULT_MAX_BATCH_SIZE, StopSignal, backoffMs, errorText, processBatch, type BatchProcessorDeps, type RawMessage,
} from '../core/batch.processor';
import { systemClock, type Clock } from '../core/clock';
import { partitionForKey } from '../partitioning/murmur2.partitioner';
import { entrySize, type LogEntry } from './partition-log';
import { BusClosedError, TopicState, type GroupOffsets, type TopicStats } from './topic-state';

export interface InProcessBusOptions {
  readonly metrics?: BusMetrics;
  readonly logger?: BusLogger;
  readonly clock?: Clock;
  /** bytes a topic may hold before publishers wait (default 64 MiB) */
  readonly maxQueuedBytesPerTopic?: number;
  /** partition count of a topic (default: the registry's `partitions`) */
  readonly partitionsOf?: (topic: TopicRef) => number;
}

export const DEFAULT_MAX_QUEUED_BYTES_PER_TOPIC = 64 * 1024 * 1024;

export function topicHeaders(topic: Pick<TopicDef<unknown>, 'codec' | 'version'>, extra?: Record<string, string>): Readonly<Record<string, string>> {
  return Object.freeze({
    ...extra,
    [BusHeaders.contentType]: topic.codec.contentType,
    [BusHeaders.schemaVersion]: String(topic.version),
  });
}

export class InProcessBus implements Bus, RawPublisher {
  private readonly topics = new Map<string, TopicState>();
  private readonly subscriptions = new Set<InProcessSubscription<unknown>>();
  private readonly metrics: BusMetrics;
  private readonly logger: BusLogger;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private closing = false;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.metrics = options.metrics ?? noopBusMetrics;
    this.logger = options.logger ?? silentBusLogger;
    this.clock = options.clock ?? systemClock;
    this.maxBytes = options.maxQueuedBytesPerTopic ?? DEFAULT_MAX_QUEUED_BYTES_PER_TOPIC;
    if (!(this.maxBytes > 0)) throw new RangeError('maxQueuedBytesPerTopic must be positive');
  }

  async publish<T>(topic: TopicDef<T>, messages: ReadonlyArray<T>, options?: PublishOptions): Promise<void> {
    this.assertOpen();
    const state = this.state(topic);
    const headers = topicHeaders(topic, options?.headers);
    for (const m of messages) {
      const key = options?.key ?? topic.key(m);
      const value = topic.codec.encode(m);
      const size = entrySize(key, value);
      // the common case appends synchronously; only a full topic makes the publisher wait
      if (!state.fits(size)) await this.waitForSpace(state, size);
      state.append(partitionForKey(key, state.partitions.length), key, value, headers, this.clock.now(), size);
    }
    this.metrics.published(state.name, messages.length);
  }

  async publishRaw<T>(topic: TopicDef<T>, records: ReadonlyArray<RawRecord>): Promise<void> {
    this.assertOpen();
    const state = this.state(topic);
    for (const r of records) {
      const key = r.key ?? null;
      const partition = key === null ? state.nextRoundRobin() : partitionForKey(key, state.partitions.length);
      const size = entrySize(key, r.value);
      if (!state.fits(size)) await this.waitForSpace(state, size);
      state.append(partition, key, r.value, Object.freeze({ ...r.headers }), this.clock.now(), size);
    }
    this.metrics.published(state.name, records.length);
  }

  private async waitForSpace(state: TopicState, size: number): Promise<void> {
    // re-check after every wake-up: another publisher may have taken the space first
    while (!state.fits(size)) await state.reserve(size);
  }

  async subscribe<T>(subscription: Subscription<T>): Promise<SubscriptionHandle> {
    this.assertOpen();
    if (this.closing) throw new BusClosedError();
    const state = this.state(subscription.topic);
    let offsets = state.groups.get(subscription.group);
    if (offsets?.active) {
      throw new Error(`consumer group ${subscription.group} already consumes ${state.name} in this process (one member per group)`);
    }
    if (!offsets) {
      const fromBeginning = subscription.fromBeginning ?? true;
      offsets = { committed: state.partitions.map((l) => (fromBeginning ? l.startOffset : l.endOffset)), active: false };
      state.groups.set(subscription.group, offsets);
    }
    offsets.active = true;
    const deps: BatchProcessorDeps = {
      deadLetter: (letters) => this.publish(deadLetterTopic(subscription.group), letters),
      metrics: this.metrics,
      logger: this.logger,
      clock: this.clock,
    };
    const sub = new InProcessSubscription(state, offsets, subscription, deps, this.clock, this.logger);
    this.subscriptions.add(sub as InProcessSubscription<unknown>);
    sub.start();
    return {
      stop: async () => {
        await sub.stop();
        this.subscriptions.delete(sub as InProcessSubscription<unknown>);
      },
    };
  }

  async health(): Promise<BusHealth> {
    if (this.closed) return { ok: false, detail: 'closed' };
    const queued = [...this.topics.values()].reduce((s, t) => s + t.bytes, 0);
    return { ok: true, detail: `in-process: ${this.topics.size} topics, ${queued} bytes queued, ${this.subscriptions.size} subscriptions` };
  }

  /** Queue depth, lag and evictions per topic, for metrics and tests. */
  stats(): TopicStats[] {
    return [...this.topics.values()].map((t) => t.stats());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    // graceful first: in-flight batches finish (and may still publish downstream)
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.subscriptions.clear();
    this.closed = true;
    for (const t of this.topics.values()) t.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }

  private state(topic: TopicRef): TopicState {
    let s = this.topics.get(topic.name);
    if (!s) {
      const partitions = this.options.partitionsOf?.(topic) ?? topic.partitions;
      s = new TopicState(topic.name, partitions, this.maxBytes, (name, count) => {
        this.logger.warn('in-process topic full: evicted messages no active consumer group needs', { topic: name, count });
      });
      this.topics.set(topic.name, s);
    }
    return s;
  }
}

/** One group's subscription to one topic: a consume loop per partition. */
class InProcessSubscription<T> {
  private readonly stopSignal = new StopSignal();
  private loops: Array<Promise<void>> = [];
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly state: TopicState,
    private readonly offsets: GroupOffsets,
    private readonly sub: Subscription<T>,
    private readonly deps: BatchProcessorDeps,
    private readonly clock: Clock,
    private readonly logger: BusLogger,
  ) {}

  start(): void {
    this.loops = this.state.partitions.map((_, p) => this.run(p));
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.stopSignal.trigger();
      this.stopping = Promise.all(this.loops).then(() => {
        this.offsets.active = false;
        this.state.groupDeactivated();
      });
    }
    return this.stopping;
  }

  private async run(partition: number): Promise<void> {
    const log = this.state.partitions[partition];
    if (!log) return;
    const max = Math.max(1, this.sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
    let failures = 0;
    while (!this.stopSignal.isStopping()) {
      const entries = log.read(this.offsets.committed[partition] as number, max);
      if (entries.length === 0) {
        // a publish call appends synchronously, so when this wakes the whole call is there to batch
        await Promise.race([log.waitForData(), this.stopSignal.stopped]);
        continue;
      }
      try {
        const outcome = await processBatch(this.sub, this.state.name, entries.map((e) => toRaw(partition, e)), this.deps, this.stopSignal);
        if (outcome.kind === 'abort') return; // uncommitted: the next subscription gets it again
        failures = 0;
      } catch (e) {
        // only a dead-letter publish failure lands here: keep the batch uncommitted and try again
        failures++;
        this.logger.error('could not finish a batch; it stays uncommitted', { topic: this.state.name, group: this.sub.group, partition, error: errorText(e) });
        await Promise.race([this.clock.sleep(backoffMs(this.sub.retryBaseMs ?? 200, Math.min(failures, 10))), this.stopSignal.stopped]);
        continue;
      }
      this.offsets.committed[partition] = (entries[entries.length - 1] as LogEntry).offset + 1;
      this.state.release();
    }
  }
}

function toRaw(partition: number, e: LogEntry): RawMessage {
  return { value: e.value, key: e.key, partition, offset: String(e.offset), headers: e.headers, timestamp: e.timestamp };
}
