import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { FlowLogParser, parseParquetFlowLogs } from '@flowguard/flowlog';
import type { S3FlowLogSource } from '@flowguard/ingest-adapters';
import { ConsumersService, HealthService, LOGGER, Stage } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { s3Client } from './aws-clients';
import { DeliveryState } from './delivery-state';
import { IngestSinks } from './ingest-sinks';

/**
 * S3 flow-log objects → flows.enriched (INGEST_S3_BUCKET): lists the bucket every
 * INGEST_S3_POLL_MS (never two polls at once) and ingests each new object once
 * (text, gzip, Parquet), recording it in the ledger after its last batch was
 * published. On shutdown the timer stops and a running poll finishes.
 */
@Injectable()
export class S3Source implements OnApplicationBootstrap {
  private source?: S3FlowLogSource;
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
    const { S3FlowLogSource } = await import('@flowguard/ingest-adapters');
    // with DynamoDB: one ledger for every ingest task, and a claim per object while one task reads it
    const { ledger, claims } = await this.state.objectLedger(c.ledgerFile);
    this.source = new S3FlowLogSource({
      client: await s3Client(c), bucket: c.bucket, ...(c.prefix ? { prefix: c.prefix } : {}), ledger, ...(claims ? { claims } : {}),
      createParser: (o) => new FlowLogParser({ ...o, batchSize: this.config.batchRows }),
      decodeParquet: (bytes, src) => parseParquetFlowLogs(bytes, { source: src, batchSize: this.config.batchRows }),
      sink: this.sinks.sink, deadLetter: this.sinks.deadLetter, metrics: this.sinks.metrics,
    });
    this.health.register('s3', async () => (this.lastError ? { ok: false, detail: `s3 ${c.bucket}: ${this.lastError}` } : { ok: true, detail: `s3 ${c.bucket}` }));
    this.consumers.onDrain('s3', Stage.ingest, async () => {
      this.stopped = true;
      if (this.timer) clearInterval(this.timer);
      await this.running;
    });
    this.timer = setInterval(() => this.poll(), c.pollMs);
    this.timer.unref();
    this.poll();
  }

  /** One listing pass; skipped while the previous one still runs. */
  poll(): Promise<void> {
    if (this.running || this.stopped || !this.source) return this.running ?? Promise.resolve();
    const source = this.source;
    this.running = (async () => {
      try {
        const reports = await source.poll();
        this.lastError = undefined;
        const done = reports.filter((r) => r.outcome === 'ingested');
        if (done.length) this.log.info({ objects: done.length, rows: done.reduce((n, r) => n + r.rows, 0) }, 's3 objects ingested');
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
