import {
  CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, UpdateTimeToLiveCommand,
  waitUntilTableExists, waitUntilTableNotExists, type CreateTableCommandInput, type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { errorName } from './dynamo-errors';

/** Attribute and index names: the one place the physical layout is spelled out (docs/storage-dynamodb.md). */
export const AnomalyTable = {
  key: 'anomalyId',
  ttl: 'expiresAt',
  /** sparse copy of `actor` (a GSI key cannot be NULL and actor may be) */
  actorKey: 'gsiActor',
  /** "A#<shard>": write-sharded constant partition of the list-all index */
  allKey: 'gsiAll',
  byDetector: 'byDetector',
  byActor: 'byActor',
  byLastSeen: 'byLastSeen',
} as const;

export const IncidentTable = {
  key: 'pk',
  ttl: 'expiresAt',
  /** "I#<shard>" on incident items only */
  allKey: 'gsiAll',
  /** item kinds sharing the table */
  kind: 'kind',
  byState: 'byState',
  byCreated: 'byCreated',
  /** pk of the item that links an anomaly to its incident */
  linkPrefix: 'anomaly#',
} as const;

export const FeedbackTable = {
  key: 'feedbackId',
  /** "F#<shard>" */
  allKey: 'gsiAll',
  byDetector: 'byDetector',
  bySubject: 'bySubject',
  byCreated: 'byCreated',
} as const;

/**
 * Delivery state of the ingest paths (ADR 0023): Kinesis shard checkpoints and
 * leases, S3 objects done, Firehose request ids. Every access is by key, so no
 * index; item kinds are told apart by the `pk` prefix.
 */
export const IngestStateTable = {
  key: 'pk',
  sort: 'sk',
  ttl: 'expiresAt',
  /** pk of a stream's shard rows (sk = shard id): one Query lists a stream's leases */
  kinesisPrefix: 'kinesis#',
  /** pk `s3#<bucket>#<key>`, sk = ETag */
  s3Prefix: 's3#',
  /** pk `firehose#<requestId>`, sk = '-' */
  firehosePrefix: 'firehose#',
} as const;

export interface TableNames {
  readonly anomalies: string;
  readonly incidents: string;
  readonly feedback: string;
  readonly ingestState: string;
}

/** `<prefix>anomalies` / `<prefix>incidents` / `<prefix>feedback` / `<prefix>ingest-state`; tests pass a unique prefix per run. */
export function tableNames(prefix = 'flowguard-'): TableNames {
  if (!/^[A-Za-z0-9_.-]*$/.test(prefix) || prefix.length > 200) throw new Error(`invalid table prefix ${JSON.stringify(prefix)}`);
  return { anomalies: `${prefix}anomalies`, incidents: `${prefix}incidents`, feedback: `${prefix}feedback`, ingestState: `${prefix}ingest-state` };
}

const gsi = (name: string, hash: string, range: string): GlobalSecondaryIndex => ({
  IndexName: name,
  KeySchema: [{ AttributeName: hash, KeyType: 'HASH' }, { AttributeName: range, KeyType: 'RANGE' }],
  // listings return whole records; ALL avoids a second read per item at the cost of GSI storage/writes
  Projection: { ProjectionType: 'ALL' },
});

export function anomalyTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: AnomalyTable.key, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: AnomalyTable.key, AttributeType: 'S' },
      { AttributeName: 'detector', AttributeType: 'S' },
      { AttributeName: 'lastSeen', AttributeType: 'N' },
      { AttributeName: AnomalyTable.actorKey, AttributeType: 'S' },
      { AttributeName: AnomalyTable.allKey, AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      gsi(AnomalyTable.byDetector, 'detector', 'lastSeen'),
      gsi(AnomalyTable.byActor, AnomalyTable.actorKey, 'lastSeen'),
      gsi(AnomalyTable.byLastSeen, AnomalyTable.allKey, 'lastSeen'),
    ],
  };
}

export function incidentTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: IncidentTable.key, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: IncidentTable.key, AttributeType: 'S' },
      { AttributeName: 'state', AttributeType: 'S' },
      { AttributeName: 'updatedAt', AttributeType: 'N' },
      { AttributeName: IncidentTable.allKey, AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [
      gsi(IncidentTable.byState, 'state', 'updatedAt'),
      gsi(IncidentTable.byCreated, IncidentTable.allKey, 'createdAt'),
    ],
  };
}

export function feedbackTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: FeedbackTable.key, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: FeedbackTable.key, AttributeType: 'S' },
      { AttributeName: 'detector', AttributeType: 'S' },
      { AttributeName: 'subjectId', AttributeType: 'S' },
      { AttributeName: FeedbackTable.allKey, AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [
      gsi(FeedbackTable.byDetector, 'detector', 'createdAt'),
      gsi(FeedbackTable.bySubject, 'subjectId', 'createdAt'),
      gsi(FeedbackTable.byCreated, FeedbackTable.allKey, 'createdAt'),
    ],
  };
}

export function ingestStateTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: IngestStateTable.key, KeyType: 'HASH' }, { AttributeName: IngestStateTable.sort, KeyType: 'RANGE' }],
    AttributeDefinitions: [
      { AttributeName: IngestStateTable.key, AttributeType: 'S' },
      { AttributeName: IngestStateTable.sort, AttributeType: 'S' },
    ],
  };
}

export interface EnsureTablesResult {
  readonly created: string[];
  readonly existing: string[];
}

async function ensureTable(client: DynamoDBClient, def: CreateTableCommandInput, ttlAttribute: string | null): Promise<boolean> {
  const name = def.TableName as string;
  let created = false;
  try {
    await client.send(new CreateTableCommand(def));
    created = true;
  } catch (e) {
    // another process created it first: fine, the schema is checked below
    if (errorName(e) !== 'ResourceInUseException') throw e;
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: name });
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName));
  const missing = (def.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).filter((n) => !have.has(n));
  if (missing.length > 0) {
    throw new Error(`table ${name} exists without index(es) ${missing.join(', ')}: it was created by an older layout; migrate or use another prefix`);
  }
  if (ttlAttribute === null) return created;
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    try {
      await client.send(new UpdateTimeToLiveCommand({
        TableName: name, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
      }));
    } catch (e) {
      // a concurrent ensureTables enabled it between our describe and update
      if (!(errorName(e) === 'ValidationException' && /already enabled/i.test(String((e as Error).message)))) throw e;
    }
  }
  return created;
}

/** Creates the anomalies table if absent; true when this call created it. */
export function ensureAnomalyTable(client: DynamoDBClient, name: string): Promise<boolean> {
  return ensureTable(client, anomalyTableDefinition(name), AnomalyTable.ttl);
}

/** Creates the incidents table if absent; true when this call created it. */
export function ensureIncidentTable(client: DynamoDBClient, name: string): Promise<boolean> {
  return ensureTable(client, incidentTableDefinition(name), IncidentTable.ttl);
}

/** Creates the analyst-feedback table if absent (no TTL: labeled data is kept). */
export function ensureFeedbackTable(client: DynamoDBClient, name: string): Promise<boolean> {
  return ensureTable(client, feedbackTableDefinition(name), null);
}

/** Creates the ingest delivery-state table if absent, TTL on `expiresAt` (Firehose ids, optionally S3 entries). */
export function ensureIngestStateTable(client: DynamoDBClient, name: string): Promise<boolean> {
  return ensureTable(client, ingestStateTableDefinition(name), IngestStateTable.ttl);
}

/**
 * Creates the tables if absent (on-demand billing), waits until ACTIVE and
 * enables TTL on `expiresAt` of anomalies, incidents and ingest state. Safe to call at every start and from several
 * processes at once.
 */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<EnsureTablesResult> {
  const result = { created: [] as string[], existing: [] as string[] };
  (await ensureAnomalyTable(client, names.anomalies) ? result.created : result.existing).push(names.anomalies);
  (await ensureIncidentTable(client, names.incidents) ? result.created : result.existing).push(names.incidents);
  (await ensureFeedbackTable(client, names.feedback) ? result.created : result.existing).push(names.feedback);
  (await ensureIngestStateTable(client, names.ingestState) ? result.created : result.existing).push(names.ingestState);
  return result;
}

/** Drops the named tables (test teardown). Missing tables are ignored. */
export async function deleteTables(client: DynamoDBClient, names: Partial<TableNames>): Promise<void> {
  for (const name of [names.anomalies, names.incidents, names.feedback, names.ingestState]) {
    if (name === undefined) continue;
    try {
      await client.send(new DeleteTableCommand({ TableName: name }));
      await waitUntilTableNotExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: name });
    } catch (e) {
      if (errorName(e) !== 'ResourceNotFoundException') throw e;
    }
  }
}
