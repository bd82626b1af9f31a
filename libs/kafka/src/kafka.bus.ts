/**
 * The Kafka implementation of the Bus port (kafkajs 2.2.4).
 *
 * Producer: idempotent (acks=-1, one in-flight request per broker connection,
 * which kafkajs' idempotent mode needs to keep sequence numbers in order),
 * Java-compatible murmur2 partitioner (same partition as the in-process bus),
 * headers with content type and schema version.
 * Consumers: one per subscription, see KafkaSubscription; the shared core of
 * @flowguard/messaging decides what is committed and what is dead-lettered.
 */
import { deadLetterTopic, type TopicDef } from '@flowguard/contracts';
import {
  BusHeaders, errorText, noopBusMetrics, silentBusLogger, systemClock,
  type Bus, type BusHealth, type BusLogger, type BusMetrics, type Clock, type PublishOptions, type RawPublisher, type RawRecord,
  type Subscription, type SubscriptionHandle, type TopicRef,
} from '@flowguard/messaging';
import { Kafka, Partitioners, logLevel, type Admin, type Message, type Producer } from 'kafkajs';
import { KAFKA_DEFAULTS, KafkaConfigError, type KafkaBusConfig } from './kafka.config';
import { brokerGroupView, type BrokerGroupView } from './group-membership';
import { kafkaLogCreator } from './kafka.logger';
import { KafkaSubscription, type MembershipSnapshot } from './kafka.subscription';
import { topicAwareAssigner } from './topic-aware.assigner';

export interface EnsureTopicsResult {
  readonly created: string[];
  readonly existing: string[];
}

const LOG_LEVELS = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

export class KafkaBus implements Bus, RawPublisher {
  private readonly kafka: Kafka;
  private readonly namespace: string;
  private readonly metrics: BusMetrics;
  private readonly logger: BusLogger;
  private readonly clock: Clock;
  private producer: Promise<Producer> | null = null;
  private admin: Promise<Admin> | null = null;
  private readonly subscriptions = new Set<KafkaSubscription<unknown>>();
  private closing: Promise<void> | null = null;
  private membershipTimer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(private readonly config: KafkaBusConfig) {
    if (config.brokers.length === 0) throw new KafkaConfigError('at least one broker is required');
    this.namespace = config.namespace ?? KAFKA_DEFAULTS.namespace;
    if (this.namespace && !/^[A-Za-z0-9._-]+$/.test(this.namespace)) throw new KafkaConfigError(`namespace "${this.namespace}" may only hold letters, digits, . _ -`);
    this.metrics = config.metrics ?? noopBusMetrics;
    this.logger = config.logger ?? silentBusLogger;
    this.clock = config.clock ?? systemClock;
    this.kafka = new Kafka({
      clientId: config.clientId ?? KAFKA_DEFAULTS.clientId,
      brokers: [...config.brokers],
      ...(config.ssl !== undefined ? { ssl: config.ssl } : {}),
      ...(config.sasl !== undefined ? { sasl: config.sasl } : {}),
      ...(config.socketFactory !== undefined ? { socketFactory: config.socketFactory } : {}),
      connectionTimeout: config.connectionTimeoutMs ?? KAFKA_DEFAULTS.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs,
      ...(config.retry ? { retry: config.retry } : {}),
      logLevel: LOG_LEVELS[config.clientLogLevel ?? 'warn'],
      logCreator: kafkaLogCreator(this.logger),
    });
  }

  /** The physical topic name: the registry name behind the namespace. */
  topicName(topic: Pick<TopicRef, 'name'>): string {
    return `${this.namespace}${topic.name}`;
  }

  /**
   * The physical consumer group id of one subscription: the logical group and
   * the topic. A logical group that reads two topics (detect's by-src and by-dst
   * lanes, the platform's dead-letter topics) is one Kafka group per topic, so
   * every Kafka group has members with one and the same subscription: a member
   * joining for one topic never stops the consumption of another, and a group of
   * N single-topic members settles in one rebalance (docs/adr/0019).
   */
  groupId(group: string, topic: Pick<TopicRef, 'name'>): string {
    return `${this.namespace}${group}.${topic.name}`;
  }

  /** Connect the producer and the admin client now, so a service fails fast at boot instead of on its first publish. */
  async connect(): Promise<void> {
    await Promise.all([this.getProducer(), this.getAdmin()]);
  }

  async publish<T>(topic: TopicDef<T>, messages: ReadonlyArray<T>, options?: PublishOptions): Promise<void> {
    if (messages.length === 0) return;
    const headers = {
      ...options?.headers,
      [BusHeaders.contentType]: topic.codec.contentType,
      [BusHeaders.schemaVersion]: String(topic.version),
    };
    const out: Message[] = messages.map((m) => ({ key: options?.key ?? topic.key(m), value: topic.codec.encode(m), headers }));
    await this.send(this.topicName(topic), out);
  }

  async publishRaw<T>(topic: TopicDef<T>, records: ReadonlyArray<RawRecord>): Promise<void> {
    if (records.length === 0) return;
    await this.send(
      this.topicName(topic),
      records.map((r) => ({ key: r.key ?? null, value: r.value, ...(r.headers ? { headers: { ...r.headers } } : {}) })),
    );
  }

  /** Send in produce requests of bounded size: one request per partition is one record batch, limited by max.message.bytes. */
  private async send(topic: string, messages: Message[]): Promise<void> {
    if (this.closing) throw new Error('the Kafka bus is closed');
    const producer = await this.getProducer();
    const limit = this.config.maxSendBytes ?? KAFKA_DEFAULTS.maxSendBytes;
    let chunk: Message[] = [];
    let bytes = 0;
    for (const m of messages) {
      const size = (m.value ? (m.value as Buffer).byteLength : 0) + 128;
      if (chunk.length > 0 && bytes + size > limit) {
        await producer.send({ topic, messages: chunk, acks: -1 });
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length > 0) await producer.send({ topic, messages: chunk, acks: -1 });
    this.metrics.published(topic, messages.length);
  }

  private getProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        ...(this.config.retry ? { retry: { ...this.config.retry, retries: Math.max(1, this.config.retry.retries ?? 5) } } : {}),
      });
      this.producer = producer.connect().then(() => producer);
      // a failed connect must not poison every later publish
      this.producer.catch(() => (this.producer = null));
    }
    return this.producer;
  }

  private resetAdmin(): void {
    const stale = this.admin;
    this.admin = null;
    stale?.then((a) => a.disconnect()).catch(() => undefined);
  }

  private getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin(this.config.retry ? { retry: this.config.retry } : {});
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = null));
    }
    return this.admin;
  }

  async subscribe<T>(subscription: Subscription<T>): Promise<SubscriptionHandle> {
    if (this.closing) throw new Error('the Kafka bus is closed');
    const topicName = this.topicName(subscription.topic);
    const groupId = this.groupId(subscription.group, subscription.topic);
    const consumer = this.kafka.consumer({
      groupId,
      partitionAssigners: [topicAwareAssigner],
      sessionTimeout: this.config.sessionTimeoutMs ?? KAFKA_DEFAULTS.sessionTimeoutMs,
      rebalanceTimeout: this.config.rebalanceTimeoutMs ?? KAFKA_DEFAULTS.rebalanceTimeoutMs,
      heartbeatInterval: this.config.heartbeatIntervalMs ?? KAFKA_DEFAULTS.heartbeatIntervalMs,
      maxBytesPerPartition: this.config.maxBytesPerPartition ?? KAFKA_DEFAULTS.maxBytesPerPartition,
      maxWaitTimeInMs: this.config.maxWaitTimeMs ?? KAFKA_DEFAULTS.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      ...(this.config.retry ? { retry: this.config.retry } : {}),
    });
    const sub: KafkaSubscription<T> = new KafkaSubscription(
      subscription,
      {
        consumer,
        topicName,
        groupId,
        core: {
          deadLetter: (letters) => this.publish(deadLetterTopic(subscription.group), letters),
          metrics: this.metrics,
          logger: this.logger,
          clock: this.clock,
        },
        logger: this.logger,
        clock: this.clock,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs ?? KAFKA_DEFAULTS.heartbeatIntervalMs,
        partitionsConsumedConcurrently: this.config.partitionsConsumedConcurrently ?? KAFKA_DEFAULTS.partitionsConsumedConcurrently,
        // kafkajs' JoinGroup request may wait the rebalance timeout (+5 s); its SyncGroup a request timeout
        joinGraceMs: (this.config.rebalanceTimeoutMs ?? KAFKA_DEFAULTS.rebalanceTimeoutMs) + (this.config.requestTimeoutMs ?? KAFKA_DEFAULTS.requestTimeoutMs),
      },
      () => this.subscriptions.delete(sub as KafkaSubscription<unknown>),
    );
    this.subscriptions.add(sub as KafkaSubscription<unknown>);
    try {
      await sub.start();
    } catch (e) {
      await sub.stop();
      throw e;
    }
    this.startMembershipChecks();
    return sub;
  }

  private startMembershipChecks(): void {
    const every = this.config.membershipCheckMs ?? KAFKA_DEFAULTS.membershipCheckMs;
    if (every <= 0 || this.membershipTimer || this.closing) return;
    this.membershipTimer = setInterval(() => void this.checkMembership(), every);
    this.membershipTimer.unref();
  }

  /**
   * Ask the coordinator about every group this bus has a member in (one
   * DescribeGroups request) and let each member compare: a member the
   * coordinator dropped without it noticing gives its partitions up and joins
   * again (docs/adr/0025). Runs on a timer; exposed for tests.
   */
  checkMembership(): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = (async () => {
      const subs = [...this.subscriptions].filter((s) => s.assigned.length > 0);
      if (subs.length === 0 || this.closing) return;
      const takenAt = Date.now();
      let views: Map<string, BrokerGroupView>;
      try {
        const admin = await this.getAdmin();
        const { groups } = await admin.describeGroups([...new Set(subs.map((s) => s.groupId))]);
        views = new Map(groups.map((g) => [g.groupId, brokerGroupView(g)]));
      } catch (e) {
        if (this.closing) return;
        this.logger.warn('could not describe the consumer groups; membership not checked', { error: errorText(e) });
        // kafkajs does not recover a connection that stopped answering: the next check uses a new admin client
        this.resetAdmin();
        return;
      }
      if (this.closing) return;
      for (const s of subs) s.checkMembership(views.get(s.groupId), takenAt);
    })().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  /** Each live subscription's own account of its membership (member id, generation, assignment, errors), for diagnostics. */
  membership(group?: string, topic?: Pick<TopicRef, 'name'>): MembershipSnapshot[] {
    return [...this.subscriptions]
      .filter((s) => (group === undefined || s.group === group) && (topic === undefined || s.sub.topic.name === topic.name))
      .map((s) => s.membership());
  }

  /** Partitions each live subscription of (group, topic) currently owns, for tests and diagnostics. */
  assignments(group: string, topic: Pick<TopicRef, 'name'>): number[][] {
    return [...this.subscriptions]
      .filter((s) => s.group === group && s.sub.topic.name === topic.name)
      .map((s) => s.assigned);
  }

  /**
   * Create every topic that does not exist yet with the registry's partition
   * count. An existing topic with fewer partitions is reported, not changed:
   * adding partitions moves keys and breaks per-key order (docs/messaging.md).
   */
  async ensureTopics(topics: ReadonlyArray<TopicRef>): Promise<EnsureTopicsResult> {
    const admin = await this.getAdmin();
    const existingNames = new Set(await admin.listTopics());
    const wanted = topics.map((t) => ({ name: this.topicName(t), partitions: t.partitions }));
    const missing = wanted.filter((t) => !existingNames.has(t.name));
    const existing = wanted.filter((t) => existingNames.has(t.name));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: this.config.replicationFactor ?? KAFKA_DEFAULTS.replicationFactor,
            configEntries: [{ name: 'max.message.bytes', value: String(this.config.maxMessageBytes ?? KAFKA_DEFAULTS.maxMessageBytes) }],
          })),
        });
      } catch (e) {
        // kafkajs' wait for leaders gives up when a busy broker answers its metadata poll with
        // UNKNOWN_TOPIC_OR_PARTITION before the new topic is visible (or another client created it
        // first): the topics exist or are being created, so wait for their leaders here instead
        if (!TRANSIENT_CREATE_ERRORS.has(errorType(e))) throw e;
        await waitForLeaders(admin, missing.map((t) => t.name));
      }
    }
    if (existing.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: existing.map((t) => t.name) });
      for (const t of meta.topics) {
        const want = wanted.find((w) => w.name === t.name)?.partitions ?? 0;
        if (t.partitions.length < want) {
          this.logger.warn('topic has fewer partitions than the registry asks for; leaving it as is', { topic: t.name, has: t.partitions.length, want });
        }
      }
    }
    return { created: missing.map((t) => t.name), existing: existing.map((t) => t.name) };
  }

  async health(): Promise<BusHealth> {
    const timeoutMs = this.config.healthTimeoutMs ?? KAFKA_DEFAULTS.healthTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<BusHealth>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer from Kafka within ${timeoutMs} ms` }), timeoutMs);
    });
    const probe = (async (): Promise<BusHealth> => {
      try {
        const admin = await this.getAdmin();
        const cluster = await admin.describeCluster();
        const failed = [...this.subscriptions].filter((s) => s.failed !== null);
        if (failed.length > 0) {
          return { ok: false, detail: `kafka: consumer crashed (restarting): ${failed.map((s) => `${s.group} on ${s.sub.topic.name}: ${s.failed}`).join('; ')}` };
        }
        return { ok: true, detail: `kafka: ${cluster.brokers.length} broker(s), controller ${cluster.controller ?? 'unknown'}, ${this.subscriptions.size} subscriptions` };
      } catch (e) {
        return { ok: false, detail: `kafka: ${errorText(e)}` };
      }
    })();
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        // a check under way sees `closing` and does nothing; it is awaited (bounded) after the disconnects below
        if (this.membershipTimer) clearInterval(this.membershipTimer);
        this.membershipTimer = null;
        await Promise.all([...this.subscriptions].map((s) => s.stop()));
        const disconnect = async (p: Promise<{ disconnect(): Promise<void> }> | null) => {
          if (!p) return;
          try {
            await (await p).disconnect();
          } catch (e) {
            this.logger.warn('error while disconnecting from Kafka', { error: errorText(e) });
          }
        };
        await Promise.all([disconnect(this.producer), disconnect(this.admin)]);
        // a membership check under way saw `closing` or lost its connection above; let it settle (at most
        // 5 s) so nothing of this bus still runs after close() resolved (kafkajs loads protocol modules lazily)
        const checking = this.checking;
        if (checking) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([checking.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
          clearTimeout(timer);
        }
      })();
    }
    return this.closing;
  }
}

const TRANSIENT_CREATE_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'TOPIC_ALREADY_EXISTS', 'NOT_CONTROLLER']);

function errorType(e: unknown): string {
  const err = e as { type?: string; originalError?: { type?: string } } | null;
  return err?.type ?? err?.originalError?.type ?? '';
}

/** Poll topic metadata until every partition of every topic has a leader (bounded: about 30 s). */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  let last: unknown = null;
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics });
      if (meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`topics ${topics.join(', ')} have no leaders after 30 s${last ? `: ${(last as Error).message}` : ''}`);
}
