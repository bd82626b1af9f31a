import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Consumers, deadLetterTopic, type FlowBatch } from '@flowguard/contracts';
import type {
  FlowDeadLetter, FlowHistoryService, FlowObjectSink, FlowPage, OpenSearchFlowIndexer, PartitionedParquetWriter, RetentionTimer,
} from '@flowguard/flow-storage';
import { ingestDeadLetter } from '@flowguard/ingest-pipeline';
import type { Bus } from '@flowguard/messaging';
import { BUS, CLOCK, ConsumersService, HealthService, LOGGER, MetricsService, Stage } from '@flowguard/service-kit';
import type { Client } from '@opensearch-project/opensearch';
import type { Logger } from 'pino';
import { s3Client } from '../delivery/aws-clients';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { StorageMetrics } from './storage.metrics';

/** Stage of the storage flush on shutdown: after the delivery paths stopped (0), before detect drains (1). */
const FLUSH_STAGE = Stage.ingest + 0.5;
const TEMPLATE_RETRY_MS = 10_000;
const RETENTION_EVERY_MS = 3_600_000;

export class HistoryOffError extends Error {
  constructor() {
    super('flow history is off: no flow storage is configured (FLOWS_PARQUET=false and no FLOWS_OPENSEARCH_URL)');
  }
}

/**
 * The storage output of the pipeline (libs/flow-storage): ZSTD Parquet on a
 * local directory or S3, and/or OpenSearch daily indices; retention timers;
 * and the history query over whichever answers best (OpenSearch when
 * configured, else the Parquet files).
 *
 * Storage is the secondary output (ADR 0017): `store()` resolves once the rows
 * are buffered (Parquet) and admitted (OpenSearch backpressure), and never
 * rejects — a failed write is counted and logged, and detection and upstream
 * acknowledgement go on. Rows become durable when their Parquet file commits
 * (≤ FLOWS_MAX_FILE_AGE_MS) or their bulk request succeeds; shutdown flushes both.
 */
@Injectable()
export class FlowStorage implements OnModuleInit, OnApplicationShutdown {
  private writer?: PartitionedParquetWriter;
  private sink?: FlowObjectSink;
  private indexer?: OpenSearchFlowIndexer;
  private client?: Client;
  private history?: FlowHistoryService;
  private historyFlushesWriter = false;
  private readonly timers: RetentionTimer[] = [];
  private templateReady = false;
  private templateError: string | undefined;
  private templateTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly log: Logger;
  private readonly metrics: StorageMetrics;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) private readonly clock: () => number,
    metrics: MetricsService,
    private readonly health: HealthService,
    private readonly consumers: ConsumersService,
  ) {
    this.log = logger.child({ component: 'flow-storage' });
    this.metrics = new StorageMetrics(metrics);
  }

  get enabled(): boolean {
    return !!(this.writer || this.indexer);
  }

  get historyBackend(): string | undefined {
    return this.history?.backendName;
  }

  private initialised?: Promise<void>;

  onModuleInit(): Promise<void> {
    return this.init();
  }

  /** Open the stores (once); the pipeline awaits it before it is built, whatever order Nest runs the hooks in. */
  init(): Promise<void> {
    this.initialised ??= this.open();
    return this.initialised;
  }

  private async open(): Promise<void> {
    const s = this.config.pipeline.storage;
    if (!s.parquet && !s.opensearch) return;
    // loaded only when storage is on: the S3 and OpenSearch SDKs cost start-up time
    const fs = await import('@flowguard/flow-storage');
    if (s.parquet) {
      const p = s.parquet;
      this.sink = p.kind === 'local'
        ? new fs.LocalDirectorySink(p.dir)
        : new fs.S3ObjectSink({ client: await s3Client({ region: p.s3Region, ...(p.endpoint ? { endpoint: p.endpoint } : {}) }), bucket: p.bucket, prefix: p.prefix });
      this.writer = new fs.PartitionedParquetWriter({
        sink: this.sink, defaultRegion: p.region, maxFileAgeMs: p.maxFileAgeMs, now: this.clock,
        onError: (err) => this.failed('parquet', err),
        onFileCommitted: (f) => this.log.debug({ key: f.key, rows: f.rows, bytes: f.bytes, reason: f.reason }, 'flow file committed'),
      });
      this.writer.start();
      const sink = this.sink;
      this.timers.push(new fs.RetentionTimer(() => new fs.ParquetRetention({ sink, days: p.retentionDays }).sweep(), {
        intervalMs: RETENTION_EVERY_MS, onError: (err) => this.log.error({ err }, 'parquet retention sweep failed'),
      }));
      this.log.info({ store: p.kind, where: p.kind === 'local' ? p.dir : `s3://${p.bucket}/${p.prefix}`, retentionDays: p.retentionDays }, 'parquet flow storage on');
    }
    if (s.opensearch) {
      const o = s.opensearch;
      this.client = await fs.createOpenSearchClient(o);
      this.indexer = new fs.OpenSearchFlowIndexer({
        client: this.client, prefix: o.prefix,
        deadLetter: (items) => this.deadLetter(items),
        onError: (err) => this.failed('opensearch', err),
      });
      this.history = new fs.FlowHistoryService(new fs.OpenSearchFlowHistory({ client: this.client, prefix: o.prefix }));
      void this.ensureTemplate();
    } else if (this.sink) {
      this.history = new fs.FlowHistoryService(new fs.ParquetFlowHistory({
        sink: this.sink, onFileError: (key, err) => this.log.warn({ key, err }, 'history skipped an unreadable flow file'),
      }));
      this.historyFlushesWriter = true;
    }
    for (const t of this.timers) t.start();
    this.health.register('flow-storage', async () => ({ ok: true, detail: this.describe() }));
    this.consumers.onDrain('flow-storage', FLUSH_STAGE, () => this.flush());
  }

  /** Template (and ISM policy or retention timer) before indexing: without it daily indices get dynamic mappings. */
  private async ensureTemplate(): Promise<void> {
    const o = this.config.pipeline.storage.opensearch;
    if (!o || !this.client || this.closed) return;
    try {
      const fs = await import('@flowguard/flow-storage');
      await fs.ensureFlowIndexTemplate(this.client, { prefix: o.prefix, replicas: o.replicas });
      const client = this.client;
      if ((await fs.installIsmPolicy(client, o.retentionDays, o.prefix)) === 'unavailable') {
        const t = new fs.RetentionTimer(() => new fs.OpenSearchFlowRetention({ client, days: o.retentionDays, prefix: o.prefix }).sweep(), {
          intervalMs: RETENTION_EVERY_MS, onError: (err) => this.log.error({ err }, 'opensearch retention sweep failed'),
        });
        this.timers.push(t);
        if (!this.closed) t.start();
      }
      this.templateReady = true;
      this.templateError = undefined;
      this.log.info({ url: o.url, prefix: o.prefix }, 'opensearch flow index template ready');
    } catch (err) {
      this.templateError = err instanceof Error ? err.message : String(err);
      this.log.error({ err }, `opensearch flow index template not installed; rows are not indexed until it is (retrying in ${TEMPLATE_RETRY_MS} ms)`);
      this.templateTimer = setTimeout(() => void this.ensureTemplate(), TEMPLATE_RETRY_MS);
      this.templateTimer.unref();
    }
  }

  /** The pipeline's storage output. Never rejects (see the class comment). */
  async store(batch: FlowBatch): Promise<void> {
    if (batch.length === 0) return;
    const writes: Promise<void>[] = [];
    if (this.writer) {
      writes.push(this.writer.write(batch).catch((err: unknown) => this.failed('parquet', err)));
    }
    if (this.indexer) {
      if (this.templateReady) writes.push(this.indexer.index(batch).catch((err: unknown) => this.failed('opensearch', err)));
      else this.metrics.skipped('opensearch', batch.length);
    }
    await Promise.all(writes);
    this.sync();
  }

  /** Make buffered rows durable (Parquet files committed, bulk requests finished). */
  async flush(): Promise<void> {
    await Promise.all([
      this.writer?.flush().catch((err: unknown) => this.failed('parquet', err)),
      this.indexer?.flush().catch((err: unknown) => this.failed('opensearch', err)),
    ]);
    this.sync();
  }

  /**
   * `GET /v1/flows/history`: validates (FlowQueryError) and runs the query.
   * Parquet history reads committed files only, so the writer is flushed
   * first: a query sees every row ingested before it (costs a file roll per query).
   */
  async query(params: Record<string, string | string[] | undefined>): Promise<FlowPage & { backend: string }> {
    if (!this.history) throw new HistoryOffError();
    if (this.historyFlushesWriter && this.writer) {
      const m = this.writer.metrics();
      if (m.rowsBuffered > 0 || m.openFiles > 0) await this.writer.flush().catch((err: unknown) => this.failed('parquet', err));
    }
    const backend = this.history.backendName;
    try {
      const page = await this.history.queryParams(params);
      this.metrics.query(backend, 'ok');
      return { ...page, backend };
    } catch (err) {
      this.metrics.query(backend, (err as Error).name === 'FlowQueryError' ? 'invalid' : 'error');
      throw err;
    }
  }

  summary(): Record<string, unknown> {
    const s = this.config.pipeline.storage;
    return {
      parquet: s.parquet && this.writer ? {
        where: s.parquet.kind === 'local' ? s.parquet.dir : `s3://${s.parquet.bucket}/${s.parquet.prefix}`,
        retentionDays: s.parquet.retentionDays, maxFileAgeMs: s.parquet.maxFileAgeMs, ...this.writer.metrics(),
      } : null,
      opensearch: s.opensearch && this.indexer ? {
        url: s.opensearch.url, prefix: s.opensearch.prefix, retentionDays: s.opensearch.retentionDays,
        templateReady: this.templateReady, ...(this.templateError ? { templateError: this.templateError } : {}), ...this.indexer.metrics(),
      } : null,
      retention: this.timers.map((t) => t.metrics()),
      history: this.history?.backendName ?? null,
      errors: this.metrics.errorCounts(),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.templateTimer) clearTimeout(this.templateTimer);
    await Promise.all(this.timers.map((t) => t.stop()));
    // after the HTTP listener closed: rows of the last requests are in the buffers now
    await this.writer?.close().catch((err: unknown) => this.failed('parquet', err));
    await this.indexer?.flush().catch((err: unknown) => this.failed('opensearch', err));
    this.sync();
    await this.client?.close().catch(() => undefined);
    if (this.writer || this.indexer) this.log.info(this.summary(), 'flow storage closed');
  }

  private describe(): string {
    const parts: string[] = [];
    if (this.writer) parts.push(`parquet ${this.config.pipeline.storage.parquet?.kind}`);
    if (this.indexer) parts.push(this.templateReady ? 'opensearch' : `opensearch: template not installed yet (${this.templateError ?? 'starting'}); rows not indexed`);
    return parts.join(', ');
  }

  private sync(): void {
    this.metrics.sync(this.writer?.metrics(), this.indexer?.metrics(), this.timers.map((t) => t.metrics()));
  }

  private failed(store: 'parquet' | 'opensearch', err: unknown): void {
    const rowsLost = (err as { rowsLost?: number }).rowsLost ?? 0;
    this.metrics.error(store);
    this.log.error({ err, store, rowsLost }, `flow storage write failed (${store}); detection is not affected`);
  }

  /** Documents OpenSearch refused for good: to the ingest dead-letter topic, one letter per document. */
  private async deadLetter(items: FlowDeadLetter[]): Promise<void> {
    const now = this.clock();
    await this.bus.publish(deadLetterTopic(Consumers.ingestRaw), items.map((d) => ingestDeadLetter({
      consumer: Consumers.ingestRaw, source: `opensearch:${d.index}`, reason: 'storage_rejected',
      error: `HTTP ${d.status} after ${d.attempts} attempt(s): ${d.reason}`, position: `opensearch:${d.index}/${d.id}`,
      payload: JSON.stringify(d.document), failedAt: now, key: d.id,
    })));
  }
}
