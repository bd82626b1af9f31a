import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { FlowLogParser, parseParquetFlowLogs } from '@flowguard/flowlog';
import type { S3EventQueueConsumer, S3FlowLogSource } from '@flowguard/ingest-adapters';
import { ConsumersService, HealthService, LOGGER, Stage } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { s3Client, sqsClient } from './aws-clients';
import { DeliveryState } from './delivery-state';
import { IngestSinks } from './ingest-sinks';

/**
 * S3 flow-log objects → flows.enriched (INGEST_S3_BUCKET): lists the bucket every
 * INGEST_S3_POLL_MS (never two polls at once) and/or receives its event
 * notifications from INGEST_S3_SQS_QUEUE_URL, and ingests each new object once
 * (text, gzip, Parquet), recording it in the ledger after its last batch was
 * published (a queue message is deleted only then). On shutdown the timer and
 * the queue loop stop; a running poll and the message being handled finish.
 */
@Injectable()
export class S3Source implements OnApplicationBootstrap {
  private source?: S3FlowLogSource;
  private queue?: S3EventQueueConsumer;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastError: string | undefined;
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
    this.log = logger.child({ component: 's3' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const c = this.config.s3;
    if (!c) return;
    const { S3EventQueueConsumer, S3FlowLogSource } = await import('@flowguard/ingest-adapters');
    // with DynamoDB: one ledger for every ingest task, and a claim per object while one task reads it
    const { ledger, claims } = await this.state.objectLedger(c.ledgerFile);
    this.source = new S3FlowLogSource({
      client: await s3Client(c), bucket: c.bucket, ...(c.prefix ? { prefix: c.prefix } : {}), ledger, ...(claims ? { claims } : {}),
      createParser: (o) => new FlowLogParser({ ...o, batchSize: this.config.batchRows }),
      decodeParquet: (bytes, src) => parseParquetFlowLogs(bytes, { source: src, batchSize: this.config.batchRows }),
      sink: this.sinks.sink, deadLetter: this.sinks.deadLetter, metrics: this.sinks.metrics,
    });
    const source = this.source;
    if (c.queue) {
      this.queue = new S3EventQueueConsumer({
        client: await sqsClient({ region: c.region, ...(c.queue.endpoint ? { endpoint: c.queue.endpoint } : {}) }),
        queueUrl: c.queue.url, visibilityTimeoutSec: c.queue.visibilitySec, metrics: this.sinks.metrics,
        handle: async (body, position) => this.logIngested(await source.handleEventMessage(body, position), position),
        onError: (err, what, messageId) => this.log.warn({ err, messageId }, `s3 event queue: ${what} failed; the message comes back`),
      });
    }
    this.health.register('s3', async () => {
      const error = this.lastError ?? this.queue?.lastError;
      return error ? { ok: false, detail: `s3 ${c.bucket}: ${error}` } : { ok: true, detail: `s3 ${c.bucket}${c.queue ? ' (events)' : ''}` };
    });
    this.consumers.onDrain('s3', Stage.ingest, async () => {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      await Promise.all([this.running, this.queue?.stop()]);
    });
    this.queue?.start();
    if (c.pollMs === undefined) return;
    this.timer = setInterval(() => this.poll(), c.pollMs);
    this.timer.unref();
    this.poll();
  }

  private logIngested(reports: ReadonlyArray<{ outcome: string; rows: number }>, position: string): void {
    const done = reports.filter((r) => r.outcome === 'ingested');
    if (done.length) this.log.info({ objects: done.length, rows: done.reduce((n, r) => n + r.rows, 0), position }, 's3 objects ingested');
  }

  /** One listing pass; skipped while the previous one still runs. */
  poll(): Promise<void> {
    if (this.running || this.stopped || !this.source) return this.running ?? Promise.resolve();
    const source = this.source;
    this.running = (async () => {
      try {
        const reports = await source.poll();
        this.lastError = undefined;
        this.logIngested(reports, 'listing');
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.log.error({ err }, 's3 poll failed; next poll retries');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
