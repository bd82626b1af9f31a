import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryIdStore, ObjectClaimStore, ObjectLedgerStore } from '@flowguard/persistence';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isConditionalCheckFailed } from './dynamo-errors';
import { IngestStateTable } from './dynamo-tables';

export interface DynamoObjectLedgerOptions {
  readonly tableName: string;
  /**
   * Entries expire (DynamoDB TTL) this many days after the object was done.
   * Unset: kept forever. Set it longer than the bucket keeps objects (its
   * lifecycle rule), or a re-listing after expiry would ingest an old object again.
   */
  readonly retentionDays?: number;
  /** objects known done, remembered in memory so a re-listing costs no read (default 100,000) */
  readonly cacheEntries?: number;
  /** id of this ingest task in object claims; default `<host>/<pid>/<random>` */
  readonly owner?: string;
  readonly now?: () => number;
}

/**
 * S3 processed-object ledger in the ingest-state table (`pk = s3#<bucket>#<key>`,
 * `sk = <ETag>`): an entry is written after the object's last batch was
 * published, so every ingest instance and every restart skips it. "Done" never
 * becomes "not done", so positive answers are cached (a poll lists the whole
 * prefix; without the cache each listed object would cost a read every poll).
 * Claims (`claimOwner`, `claimUntil` on the same item, only while it is not
 * done) keep two tasks from reading the same new object at once; `markDone`
 * replaces the item, which ends the claim.
 */
export class DynamoObjectLedger implements ObjectLedgerStore, ObjectClaimStore {
  private readonly done = new Set<string>();
  private readonly cacheEntries: number;
  private readonly now: () => number;
  readonly owner: string;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly options: DynamoObjectLedgerOptions) {
    this.cacheEntries = Math.max(0, options.cacheEntries ?? 100_000);
    this.now = options.now ?? Date.now;
    this.owner = options.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  }

  async claim(bucket: string, key: string, eTag: string, claimMs: number, now: number): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.options.tableName, Key: this.key(bucket, key, eTag),
        UpdateExpression: 'SET #owner = :me, #until = :until',
        ConditionExpression: 'attribute_not_exists(#done) AND (attribute_not_exists(#owner) OR #owner = :me OR #until < :now)',
        ExpressionAttributeNames: { '#owner': 'claimOwner', '#until': 'claimUntil', '#done': 'doneAt' },
        ExpressionAttributeValues: { ':me': this.owner, ':until': now + claimMs, ':now': now },
      }));
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  async release(bucket: string, key: string, eTag: string): Promise<void> {
    try {
      await this.doc.send(new UpdateCommand({
        TableName: this.options.tableName, Key: this.key(bucket, key, eTag),
        UpdateExpression: 'REMOVE #owner, #until',
        ConditionExpression: '#owner = :me AND attribute_not_exists(#done)',
        ExpressionAttributeNames: { '#owner': 'claimOwner', '#until': 'claimUntil', '#done': 'doneAt' },
        ExpressionAttributeValues: { ':me': this.owner },
      }));
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
    }
  }

  private key(bucket: string, key: string, eTag: string) {
    return { [IngestStateTable.key]: `${IngestStateTable.s3Prefix}${bucket}#${key}`, [IngestStateTable.sort]: eTag || '-' };
  }

  async has(bucket: string, key: string, eTag: string): Promise<boolean> {
    const id = `${bucket}\n${key}\n${eTag}`;
    if (this.done.has(id)) return true;
    const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(bucket, key, eTag), ConsistentRead: true }));
    // an item that only carries a claim is not done
    if ((out.Item as { doneAt?: number } | undefined)?.doneAt === undefined) return false;
    this.remember(id);
    return true;
  }

  async markDone(bucket: string, key: string, eTag: string): Promise<void> {
    const at = this.now();
    const days = this.options.retentionDays;
    // unconditional: marking twice (two instances raced on one object) is harmless
    await this.doc.send(new PutCommand({
      TableName: this.options.tableName,
      Item: {
        ...this.key(bucket, key, eTag), doneAt: at,
        ...(days !== undefined ? { [IngestStateTable.ttl]: Math.ceil(at / 1000) + Math.round(days * 86_400) } : {}),
      },
    }));
    this.remember(`${bucket}\n${key}\n${eTag}`);
  }

  private remember(id: string): void {
    if (this.cacheEntries === 0) return;
    this.done.add(id);
    // Set iterates in insertion order: drop the oldest
    if (this.done.size > this.cacheEntries) this.done.delete(this.done.values().next().value as string);
  }
}

export interface DynamoDeliveryIdOptions {
  readonly tableName: string;
  /** how long an accepted id is remembered (default 2 h 10 min: Firehose's longest retry duration plus slack) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Accepted Firehose request ids in the ingest-state table (`pk = firehose#<id>`,
 * `sk = -`), with `expiresAt` for DynamoDB TTL so the table does not grow. TTL
 * deletion is lazy (up to days), so `has` also compares `acceptedAt` with the TTL.
 */
export class DynamoDeliveryIdStore implements DeliveryIdStore {
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly doc: DynamoDBDocumentClient, private readonly options: DynamoDeliveryIdOptions) {
    this.ttlMs = options.ttlMs ?? 130 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private key(id: string) {
    return { [IngestStateTable.key]: `${IngestStateTable.firehosePrefix}${id}`, [IngestStateTable.sort]: '-' };
  }

  async has(id: string): Promise<boolean> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: this.key(id), ConsistentRead: true }));
    const at = (out.Item as { acceptedAt?: number } | undefined)?.acceptedAt;
    return at !== undefined && this.now() - at <= this.ttlMs;
  }

  async add(id: string): Promise<void> {
    const at = this.now();
    await this.doc.send(new PutCommand({
      TableName: this.options.tableName,
      Item: { ...this.key(id), acceptedAt: at, [IngestStateTable.ttl]: Math.ceil((at + this.ttlMs) / 1000) },
    }));
  }
}
