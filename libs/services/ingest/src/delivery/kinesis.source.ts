import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { parseFlowLogText } from '@flowguard/flowlog';
import type { KinesisStreamConsumer } from '@flowguard/ingest-adapters';
import { ConsumersService, HealthService, LOGGER, Stage } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { kinesisClient } from './aws-clients';
import { DeliveryState } from './delivery-state';
import { IngestSinks } from './ingest-sinks';

const RETRY_MS = 10_000;

/**
 * Kinesis Data Streams → flows.enriched (INGEST_KINESIS_STREAM). Every shard is
 * read in order and checkpointed only after its batch was published. A stream
 * that cannot be reached at boot leaves the service up but not ready, retrying.
 * On shutdown it stops first (stage ingest), finishing each shard's in-flight batch.
 */
@Injectable()
export class KinesisSource implements OnApplicationBootstrap {
  private consumer?: KinesisStreamConsumer;
  private error: string | undefined = 'starting';
  private stopped = false;
  private readonly log: Logger;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    private readonly sinks: IngestSinks,
    private readonly consumers: ConsumersService,
    private readonly health: HealthService,
    private readonly state: DeliveryState,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'kinesis' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const k = this.config.kinesis;
    if (!k) return;
    this.health.register('kinesis', async () => (this.error ? { ok: false, detail: `kinesis ${k.stream}: ${this.error}` } : { ok: true, detail: `kinesis ${k.stream}` }));
    this.consumers.onDrain('kinesis', Stage.ingest, async () => {
      this.stopped = true;
      await this.consumer?.stop();
      this.log.info('kinesis consumer stopped');
    });
    await this.start();
  }

  /** the consumer (once started), for tests and diagnostics */
  get current(): KinesisStreamConsumer | undefined {
    return this.consumer;
  }

  private async start(): Promise<void> {
    const k = this.config.kinesis;
    if (!k || this.stopped) return;
    try {
      const { KinesisStreamConsumer } = await import('@flowguard/ingest-adapters');
      // with DynamoDB: shard leases shared with the other ingest tasks, forward-only checkpoints
      const { checkpoints, leases, leaseMs } = await this.state.kinesis(k.checkpointFile);
      const consumer = new KinesisStreamConsumer({
        client: await kinesisClient(k), streamName: k.stream, checkpoints, ...(leases ? { leases, leaseMs } : {}),
        parse: parseFlowLogText, ...(k.format ? { format: k.format } : {}),
        sink: this.sinks.sink, deadLetter: this.sinks.deadLetter, metrics: this.sinks.metrics, initialPosition: k.initialPosition,
        onError: (err, ctx) => this.log.warn({ err, ...ctx }, 'kinesis error (recovering)'),
      });
      await consumer.start();
      this.consumer = consumer;
      this.error = undefined;
      this.log.info({ stream: k.stream, endpoint: k.endpoint ?? 'aws', state: this.state.kind, owner: leases?.owner }, 'kinesis consumer started');
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.log.error({ err }, `kinesis consumer could not start; retrying in ${RETRY_MS} ms`);
      setTimeout(() => void this.start(), RETRY_MS).unref();
    }
  }
}
