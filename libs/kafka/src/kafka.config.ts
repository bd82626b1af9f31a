/**
 * Configuration of the Kafka adapter. Every field has a default that works
 * against one local broker; production (MSK) sets brokers, TLS and SASL.
 */
import type { ConnectionOptions } from 'node:tls';
import type { BusLogger, BusMetrics, Clock } from '@flowguard/messaging';
import type { ISocketFactory, Mechanism, RetryOptions, SASLOptions } from 'kafkajs';

export interface KafkaBusConfig {
  readonly brokers: ReadonlyArray<string>;
  /** kafkajs client id, shown in broker logs and quotas (default "flowguard") */
  readonly clientId?: string;
  /**
   * Prefix for every topic name and group id, e.g. "staging." to share one
   * cluster between environments; tests use a fresh one per test. Default "".
   */
  readonly namespace?: string;
  /** true or TLS options for MSK (port 9094/9096/9098) */
  readonly ssl?: boolean | ConnectionOptions;
  /**
   * SASL: plain / scram-sha-256 / scram-sha-512 with username+password, or
   * `oauthbearer` with an `oauthBearerProvider`. This is the hook for MSK IAM:
   * `{ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) }`
   * with a token from aws-msk-iam-sasl-signer-js (not bundled; see docs/messaging.md).
   */
  readonly sasl?: SASLOptions | Mechanism;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** kafkajs socket factory (a proxy, custom sockets; tests use it to cut connections) */
  readonly socketFactory?: ISocketFactory;
  /** kafkajs retry policy of the client (tests set it low so a missing broker fails fast) */
  readonly retry?: RetryOptions;
  /** replication factor of topics created by ensureTopics (default 1; 3 on MSK) */
  readonly replicationFactor?: number;
  /** topic-level max.message.bytes set by ensureTopics (default 16 MiB: flow batches and their dead letters are large) */
  readonly maxMessageBytes?: number;
  /** a publish is split into produce requests of at most this many bytes (default 4 MiB) */
  readonly maxSendBytes?: number;
  /** consumer fetch size per partition (default 4 MiB) */
  readonly maxBytesPerPartition?: number;
  /** partitions of one subscription processed in parallel (default 3) */
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  /** how long the coordinator waits for every member to rejoin in a rebalance before dropping the late ones (default 60 s) */
  readonly rebalanceTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /**
   * How often the bus asks the coordinator whether each of its members still
   * owns what it believes it owns, and restarts one that was dropped without
   * noticing (default 5 s; 0 = never). See docs/adr/0025.
   */
  readonly membershipCheckMs?: number;
  /** how long a fetch waits for data when the partition is idle (default 500 ms; bounds stop latency) */
  readonly maxWaitTimeMs?: number;
  /** health() gives up after this long (default 3 s) */
  readonly healthTimeoutMs?: number;
  /** kafkajs' own log level routed to `logger` (default warn) */
  readonly clientLogLevel?: 'error' | 'warn' | 'info' | 'debug';
  readonly metrics?: BusMetrics;
  readonly logger?: BusLogger;
  readonly clock?: Clock;
}

export const KAFKA_DEFAULTS = {
  clientId: 'flowguard',
  namespace: '',
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  replicationFactor: 1,
  maxMessageBytes: 16 * 1024 * 1024,
  maxSendBytes: 4 * 1024 * 1024,
  maxBytesPerPartition: 4 * 1024 * 1024,
  partitionsConsumedConcurrently: 3,
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  heartbeatIntervalMs: 3_000,
  membershipCheckMs: 5_000,
  maxWaitTimeMs: 500,
  healthTimeoutMs: 3_000,
} as const;

export class KafkaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaConfigError';
  }
}

/**
 * Reads the adapter's settings from the environment:
 * KAFKA_BROKERS (comma-separated, required), KAFKA_CLIENT_ID, KAFKA_NAMESPACE,
 * KAFKA_SSL=true, KAFKA_SASL_MECHANISM (plain|scram-sha-256|scram-sha-512) with
 * KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD, KAFKA_REPLICATION_FACTOR.
 */
export function kafkaConfigFromEnv(env: Readonly<Record<string, string | undefined>>): KafkaBusConfig {
  const brokers = (env['KAFKA_BROKERS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (brokers.length === 0) throw new KafkaConfigError('KAFKA_BROKERS is not set (comma-separated host:port list)');
  for (const b of brokers) if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new KafkaConfigError(`KAFKA_BROKERS entry "${b}" is not host:port`);
  const mechanism = env['KAFKA_SASL_MECHANISM']?.toLowerCase();
  let sasl: SASLOptions | undefined;
  if (mechanism) {
    const username = env['KAFKA_SASL_USERNAME'];
    const password = env['KAFKA_SASL_PASSWORD'];
    if (!username || !password) throw new KafkaConfigError('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    if (mechanism === 'plain') sasl = { mechanism: 'plain', username, password };
    else if (mechanism === 'scram-sha-256') sasl = { mechanism: 'scram-sha-256', username, password };
    else if (mechanism === 'scram-sha-512') sasl = { mechanism: 'scram-sha-512', username, password };
    else throw new KafkaConfigError(`KAFKA_SASL_MECHANISM "${mechanism}" is not supported from the environment (IAM: pass an oauthbearer provider in code)`);
  }
  const rf = env['KAFKA_REPLICATION_FACTOR'];
  const replicationFactor = rf === undefined ? undefined : Number(rf);
  if (replicationFactor !== undefined && (!Number.isInteger(replicationFactor) || replicationFactor < 1)) {
    throw new KafkaConfigError(`KAFKA_REPLICATION_FACTOR "${rf}" is not a positive integer`);
  }
  const namespace = env['KAFKA_NAMESPACE'];
  if (namespace && !/^[A-Za-z0-9._-]+$/.test(namespace)) throw new KafkaConfigError(`KAFKA_NAMESPACE "${namespace}" may only hold letters, digits, . _ -`);
  return {
    brokers,
    ...(env['KAFKA_CLIENT_ID'] ? { clientId: env['KAFKA_CLIENT_ID'] } : {}),
    ...(namespace ? { namespace } : {}),
    ...(env['KAFKA_SSL'] === 'true' ? { ssl: true } : {}),
    ...(sasl ? { sasl } : {}),
    ...(replicationFactor ? { replicationFactor } : {}),
  };
}
