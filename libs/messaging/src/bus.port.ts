/**
 * The framework-free message bus port. Two adapters implement it with the same
 * semantics: Kafka (libs/kafka) and the in-process bus (embedded mode).
 *
 * Semantics every adapter guarantees:
 * - at-least-once delivery per consumer group; offsets are committed only after
 *   the handler resolved (or the message was dead-lettered);
 * - order is kept per partition key;
 * - a message that fails to decode or validate goes to the group's dead-letter
 *   topic with the reason, is counted, and never blocks the partition;
 * - a handler that throws is retried with exponential backoff, then dead-lettered.
 */
import type { ConsumerName, TopicDef } from '@flowguard/contracts';

export interface MessageMeta {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** epoch ms the broker (or in-process bus) stamped the message with */
  readonly timestamp: number;
}

export interface Delivered<T> {
  readonly value: T;
  readonly meta: MessageMeta;
}

export interface PublishOptions {
  /** overrides the topic's key function for every message of this call */
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

export interface Subscription<T> {
  readonly group: ConsumerName;
  readonly topic: TopicDef<T>;
  /**
   * Called with decoded, validated messages, in order within a partition.
   * Resolve to acknowledge the whole batch; throw to have it retried.
   */
  readonly handle: (batch: ReadonlyArray<Delivered<T>>) => Promise<void>;
  /** retries before dead-lettering a failing batch (default 5) */
  readonly maxRetries?: number;
  /** first retry delay in ms, doubled each retry (default 200) */
  readonly retryBaseMs?: number;
  /** start from the earliest offset when the group has none (default true) */
  readonly fromBeginning?: boolean;
  /** most messages passed to one `handle` call (default 100) */
  readonly maxBatchSize?: number;
}

export interface SubscriptionHandle {
  /** stop fetching, finish the in-flight batch, commit, and leave the group */
  stop(): Promise<void>;
}

export interface BusHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface Bus {
  publish<T>(topic: TopicDef<T>, messages: ReadonlyArray<T>, options?: PublishOptions): Promise<void>;
  subscribe<T>(subscription: Subscription<T>): Promise<SubscriptionHandle>;
  health(): Promise<BusHealth>;
  /** stop every subscription gracefully, flush producers, close clients */
  close(): Promise<void>;
}

/** What adapters need to know of a topic to name and create it; any TopicDef<T> is one. */
export type TopicRef = Pick<TopicDef<unknown>, 'name' | 'partitions'>;

/** One already-encoded message, for replay tools and tests that must send bytes a codec would refuse. */
export interface RawRecord {
  readonly key?: string | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, string>;
}

/** Both adapters can publish raw bytes; consumers still decode and validate them. */
export interface RawPublisher {
  publishRaw<T>(topic: TopicDef<T>, records: ReadonlyArray<RawRecord>): Promise<void>;
}

/** Headers every adapter stamps on published messages. */
export const BusHeaders = {
  contentType: 'content-type',
  schemaVersion: 'flowguard-schema-version',
} as const;

/** The minimal logger the buses need; service-kit passes a pino child, tests a silent one. */
export interface BusLogger {
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export const silentBusLogger: BusLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Counters a bus reports; the service kit exposes them to Prometheus. */
export interface BusMetrics {
  published(topic: string, count: number): void;
  consumed(topic: string, group: string, count: number): void;
  deadLettered(topic: string, group: string, reason: string): void;
  retried(topic: string, group: string): void;
}

export const noopBusMetrics: BusMetrics = {
  published: () => undefined,
  consumed: () => undefined,
  deadLettered: () => undefined,
  retried: () => undefined,
};
