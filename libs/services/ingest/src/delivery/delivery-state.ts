import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BoundedAcceptedRequestStore, type AcceptedRequestStore, type CheckpointStore, type ProcessedObjectLedger } from '@flowguard/ingest-pipeline';
import type { ObjectClaimStore, ShardLeaseStore } from '@flowguard/persistence';
import { HealthService, LOGGER } from '@flowguard/service-kit';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';

type Dynamo = {
  readonly client: import('@aws-sdk/client-dynamodb').DynamoDBClient;
  readonly doc: import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient;
  readonly tableName: string;
  readonly lib: typeof import('@flowguard/dynamodb');
  destroy(): void;
};

/**
 * Where the delivery paths keep what they acknowledged (ADR 0023): local files
 * (INGEST_STATE_STORE=file, one ingest process) or the DynamoDB table
 * `<prefix>ingest-state` (several ingest tasks: Kinesis shard leases with
 * forward-only checkpoints, one S3 ledger, one set of Firehose request ids with
 * TTL). The DynamoDB SDK is loaded only in that mode; with FLOWGUARD_PROVISION the
 * table is created at first use.
 */
@Injectable()
export class DeliveryState implements OnApplicationBootstrap, OnApplicationShutdown {
  private dynamo?: Promise<Dynamo>;
  private firehoseIds?: Promise<AcceptedRequestStore & { close?(): Promise<void> }>;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly health: HealthService,
  ) {}

  /** Readiness in DynamoDB mode with an AWS path on: the table answers (DescribeTable needs only read permission). */
  onApplicationBootstrap(): void {
    const c = this.config;
    if (c.state.kind !== 'dynamodb' || !(c.kinesis || c.s3 || c.firehose)) return;
    this.health.register('ingest-state', async () => {
      try {
        const d = await this.table();
        const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
        const r = await d.client.send(new DescribeTableCommand({ TableName: d.tableName }));
        const status = r.Table?.TableStatus ?? 'unknown';
        return { ok: status === 'ACTIVE' || status === 'UPDATING', detail: `dynamodb ${d.tableName}: ${status}` };
      } catch (e) {
        return { ok: false, detail: `dynamodb ingest state: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
      }
    });
  }

  get kind(): 'file' | 'dynamodb' {
    return this.config.state.kind;
  }

  /** Kinesis checkpoints (file or DynamoDB) and, with DynamoDB, the shard leases (same object). */
  async kinesis(checkpointFile: string): Promise<{ checkpoints: CheckpointStore; leases?: ShardLeaseStore; leaseMs?: number }> {
    const s = this.config.state;
    if (s.kind === 'dynamodb') {
      const d = await this.table();
      const store = new d.lib.DynamoShardCheckpointStore(d.doc, { tableName: d.tableName });
      return { checkpoints: store, leases: store, leaseMs: s.leaseMs };
    }
    const { FileCheckpointStore } = await import('@flowguard/ingest-adapters');
    await mkdir(dirname(checkpointFile), { recursive: true });
    return { checkpoints: new FileCheckpointStore(checkpointFile) };
  }

  /** The S3 ledger and, with DynamoDB, per-object claims (same object) so that tasks do not read one object twice. */
  async objectLedger(ledgerFile: string): Promise<{ ledger: ProcessedObjectLedger; claims?: ObjectClaimStore }> {
    const s = this.config.state;
    if (s.kind === 'dynamodb') {
      const d = await this.table();
      const ledger = new d.lib.DynamoObjectLedger(d.doc, { tableName: d.tableName, ...(s.ledgerRetentionDays !== undefined ? { retentionDays: s.ledgerRetentionDays } : {}) });
      return { ledger, claims: ledger };
    }
    const { FileObjectLedger } = await import('@flowguard/ingest-adapters');
    await mkdir(dirname(ledgerFile), { recursive: true });
    return { ledger: new FileObjectLedger(ledgerFile) };
  }

  /** Accepted Firehose request ids; opened once, on first use. */
  acceptedIds(): Promise<AcceptedRequestStore> {
    this.firehoseIds ??= (async () => {
      const s = this.config.state;
      if (s.kind === 'dynamodb') {
        const d = await this.table();
        return new d.lib.DynamoDeliveryIdStore(d.doc, { tableName: d.tableName });
      }
      if (!s.firehoseIdFile) {
        this.logger.info('firehose request ids in memory (no FLOWGUARD_DATA_DIR nor INGEST_FIREHOSE_REQUEST_ID_FILE): a retry after a restart is ingested again');
        return new BoundedAcceptedRequestStore();
      }
      const { FileAcceptedRequestStore } = await import('@flowguard/ingest-adapters');
      return new FileAcceptedRequestStore(s.firehoseIdFile);
    })();
    // a failed open is retried on the next request instead of being cached
    this.firehoseIds.catch(() => (this.firehoseIds = undefined));
    return this.firehoseIds;
  }

  private table(): Promise<Dynamo> {
    const s = this.config.state;
    if (s.kind !== 'dynamodb') throw new Error('ingest state is not in DynamoDB');
    this.dynamo ??= (async () => {
      const lib = await import('@flowguard/dynamodb');
      const clients = lib.createDynamoClients({ region: s.region, ...(s.endpoint ? { endpoint: s.endpoint } : {}) });
      const tableName = lib.tableNames(s.tablePrefix).ingestState;
      try {
        if (s.provision) await lib.ensureIngestStateTable(clients.client, tableName);
      } catch (e) {
        clients.destroy();
        throw e;
      }
      this.logger.info({ table: tableName, endpoint: s.endpoint ?? 'aws', provisioned: s.provision }, 'ingest delivery state in dynamodb');
      return { client: clients.client, doc: clients.doc, tableName, lib, destroy: () => clients.destroy() };
    })();
    this.dynamo.catch(() => (this.dynamo = undefined));
    return this.dynamo;
  }

  async onApplicationShutdown(): Promise<void> {
    const ids = await this.firehoseIds?.catch(() => undefined);
    await ids?.close?.();
    (await this.dynamo?.catch(() => undefined))?.destroy();
  }
}
