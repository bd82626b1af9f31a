import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  checkpointOrderKey, CheckpointConflictError,
  type LeaseAcquisition, type ShardCheckpointStore, type ShardLease, type ShardLeaseStore,
} from '@flowguard/persistence';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isConditionalCheckFailed } from './dynamo-errors';
import { IngestStateTable } from './dynamo-tables';

export interface DynamoShardCheckpointOptions {
  readonly tableName: string;
  /** id of this consumer instance in lease rows; default `<host>/<pid>/<random>` (unique per process) */
  readonly owner?: string;
}

type Row = { sk: string; owner?: string; leaseUntil?: number; checkpoint?: string; ord?: string };

/**
 * Kinesis checkpoints and shard leases in the ingest-state table, one item per
 * shard (`pk = kinesis#<stream>`, `sk = <shardId>`). Every write is conditional:
 * a checkpoint only moves forward (`ord`, a padded total order of sequence
 * numbers with SHARD_END last) and only by the lease holder or when nobody holds
 * the lease; a lease is taken when free, expired or ours. So two consumers of
 * the same stream can neither both advance a shard nor move it backwards.
 */
export class DynamoShardCheckpointStore implements ShardCheckpointStore, ShardLeaseStore {
  readonly owner: string;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly options: DynamoShardCheckpointOptions) {
    this.owner = options.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  }

  private key(stream: string, shardId: string) {
    return { [IngestStateTable.key]: `${IngestStateTable.kinesisPrefix}${stream}`, [IngestStateTable.sort]: shardId };
  }

  private async read(stream: string, shardId: string): Promise<Row | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(stream, shardId), ConsistentRead: true }));
    return out.Item as Row | undefined;
  }

  async get(stream: string, shardId: string): Promise<string | undefined> {
    return (await this.read(stream, shardId))?.checkpoint;
  }

  async put(stream: string, shardId: string, sequenceNumber: string): Promise<void> {
    const ord = checkpointOrderKey(sequenceNumber);
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.options.tableName, Key: this.key(stream, shardId),
        UpdateExpression: 'SET #cp = :cp, #ord = :ord, #at = :at',
        // equal is allowed: a retried write of the same checkpoint is a no-op, not a conflict
        ConditionExpression: '(attribute_not_exists(#owner) OR #owner = :me) AND (attribute_not_exists(#ord) OR #ord <= :ord)',
        ExpressionAttributeNames: { '#cp': 'checkpoint', '#ord': 'ord', '#at': 'updatedAt', '#owner': 'owner' },
        ExpressionAttributeValues: { ':cp': sequenceNumber, ':ord': ord, ':at': Date.now(), ':me': this.owner },
      }));
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
      const row = await this.read(stream, shardId);
      if (row?.owner !== undefined && row.owner !== this.owner) {
        throw new CheckpointConflictError('lease_lost', stream, shardId, `held by ${row.owner}`);
      }
      throw new CheckpointConflictError('behind', stream, shardId, `stored ${row?.checkpoint ?? '?'} is after ${sequenceNumber}`);
    }
  }

  async acquire(stream: string, shardId: string, leaseMs: number, now: number): Promise<LeaseAcquisition> {
    try {
      const out = await this.doc.send(new UpdateCommand({
        TableName: this.options.tableName, Key: this.key(stream, shardId),
        UpdateExpression: 'SET #owner = :me, #until = :until, #n = if_not_exists(#n, :zero) + :one',
        ConditionExpression: 'attribute_not_exists(#owner) OR #owner = :me OR #until < :now',
        ExpressionAttributeNames: { '#owner': 'owner', '#until': 'leaseUntil', '#n': 'leaseCount' },
        ExpressionAttributeValues: { ':me': this.owner, ':until': now + leaseMs, ':now': now, ':zero': 0, ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }));
      return { acquired: true, checkpoint: (out.Attributes as Row | undefined)?.checkpoint };
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
      const row = await this.read(stream, shardId);
      return { acquired: false, owner: row?.owner ?? '?', leaseUntil: row?.leaseUntil ?? 0 };
    }
  }

  async steal(stream: string, from: ShardLease, leaseMs: number, now: number): Promise<boolean> {
    if (from.owner === undefined || from.owner === this.owner) return false;
    return this.conditional(stream, from.shardId, 'SET #owner = :me, #until = :until, #n = if_not_exists(#n, :zero) + :one', '#owner = :from',
      { '#owner': 'owner', '#until': 'leaseUntil', '#n': 'leaseCount' },
      { ':me': this.owner, ':until': now + leaseMs, ':from': from.owner, ':zero': 0, ':one': 1 });
  }

  renew(stream: string, shardId: string, leaseMs: number, now: number): Promise<boolean> {
    return this.conditional(stream, shardId, 'SET #until = :until', '#owner = :me',
      { '#owner': 'owner', '#until': 'leaseUntil' }, { ':me': this.owner, ':until': now + leaseMs });
  }

  async release(stream: string, shardId: string): Promise<void> {
    await this.conditional(stream, shardId, 'REMOVE #owner SET #until = :zero', '#owner = :me',
      { '#owner': 'owner', '#until': 'leaseUntil' }, { ':me': this.owner, ':zero': 0 });
  }

  async list(stream: string): Promise<ShardLease[]> {
    const out: ShardLease[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({
        TableName: this.options.tableName, ConsistentRead: true,
        KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': IngestStateTable.key },
        ExpressionAttributeValues: { ':pk': `${IngestStateTable.kinesisPrefix}${stream}` },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const r of (page.Items ?? []) as Row[]) {
        out.push({ shardId: r.sk, owner: r.owner, leaseUntil: r.leaseUntil ?? 0, checkpoint: r.checkpoint });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** One conditional UpdateItem; false when the condition failed. */
  private async conditional(
    stream: string, shardId: string, update: string, condition: string,
    names: Record<string, string>, values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.options.tableName, Key: this.key(stream, shardId),
        UpdateExpression: update, ConditionExpression: condition,
        ExpressionAttributeNames: names, ExpressionAttributeValues: values,
      }));
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }
}
