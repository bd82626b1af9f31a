import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AnomalyV1 } from '@flowguard/contracts';
import {
  anomalyRetentionBase, clampLimit, cloneRecord, validateAnomaly, type AnomalyQuery, type AnomalyRepository, type Page,
} from '@flowguard/persistence';
import { isConditionalCheckFailed } from './dynamo-errors';
import { queryPage, queryShardedPage, shardOf, type IndexSpec, type Item, type PartitionQuery } from './dynamo-query';
import { AnomalyTable } from './dynamo-tables';

export interface DynamoAnomalyRepositoryOptions {
  readonly tableName: string;
  /** TTL: an anomaly expires this long after its lastSeen, or its last write if later (default 90 days) */
  readonly retentionDays?: number;
  /**
   * Partitions of the list-all index. More shards spread a burst of anomaly
   * writes over more GSI partitions; every unfiltered list then reads each
   * shard. Fixed for the life of a table (items keep the shard they were written to).
   */
  readonly listShards?: number;
}

const INTERNAL = [AnomalyTable.actorKey, AnomalyTable.allKey, AnomalyTable.ttl] as const;
const spec = (indexName: string, hashAttr: string): IndexSpec => ({ indexName, tableKey: AnomalyTable.key, hashAttr, rangeAttr: 'lastSeen' });
const BY_DETECTOR = spec(AnomalyTable.byDetector, 'detector');
const BY_ACTOR = spec(AnomalyTable.byActor, AnomalyTable.actorKey);
const BY_LAST_SEEN = spec(AnomalyTable.byLastSeen, AnomalyTable.allKey);

/** Anomalies in DynamoDB: one item per anomalyId, three GSIs for the listings, TTL on expiresAt. */
export class DynamoAnomalyRepository implements AnomalyRepository {
  private readonly retentionSeconds: number;
  private readonly shards: string[];

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoAnomalyRepositoryOptions,
  ) {
    this.retentionSeconds = Math.round((options.retentionDays ?? 90) * 86_400);
    const n = Math.max(1, Math.floor(options.listShards ?? 4));
    this.shards = Array.from({ length: n }, (_, i) => `A#${i}`);
  }

  async upsert(anomaly: AnomalyV1): Promise<{ readonly created: boolean; readonly applied: boolean }> {
    validateAnomaly(anomaly);
    const a = cloneRecord(anomaly);
    const item: Item = {
      ...a,
      [AnomalyTable.allKey]: this.shards[shardOf(a.anomalyId, this.shards.length)],
      [AnomalyTable.ttl]: anomalyRetentionBase(a) + this.retentionSeconds,
      ...(a.actor ? { [AnomalyTable.actorKey]: a.actor } : {}),
    };
    try {
      // one round trip: the condition keeps the newest version, ALL_OLD tells created from updated
      const out = await this.doc.send(new PutCommand({
        TableName: this.options.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#id) OR #u < :u',
        ExpressionAttributeNames: { '#id': AnomalyTable.key, '#u': 'updatedAt' },
        ExpressionAttributeValues: { ':u': a.updatedAt },
        ReturnValues: 'ALL_OLD',
      }));
      return { created: out.Attributes === undefined, applied: true };
    } catch (e) {
      if (isConditionalCheckFailed(e)) return { created: false, applied: false };
      throw e;
    }
  }

  async get(anomalyId: string): Promise<AnomalyV1 | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.options.tableName, Key: { [AnomalyTable.key]: anomalyId } }));
    return out.Item ? toAnomaly(out.Item) : null;
  }

  async list(query: AnomalyQuery): Promise<Page<AnomalyV1>> {
    const limit = clampLimit(query.limit);
    const since = query.since !== undefined ? ' AND #r >= :since' : '';
    const sinceValue = query.since !== undefined ? { ':since': query.since } : {};
    const base = (index: IndexSpec, hash: string): PartitionQuery => ({
      TableName: this.options.tableName,
      IndexName: index.indexName,
      KeyConditionExpression: `#h = :h${since}`,
      ExpressionAttributeNames: { '#h': index.hashAttr, ...(since ? { '#r': index.rangeAttr } : {}) },
      ExpressionAttributeValues: { ':h': hash, ...sinceValue },
    });
    let page: Page<Item>;
    if (query.actor !== undefined) {
      // the actor partition is the narrower one; the detector becomes a filter
      const q = base(BY_ACTOR, query.actor);
      const filtered = query.detector !== undefined;
      if (filtered) {
        q.FilterExpression = '#d = :d';
        q.ExpressionAttributeNames = { ...q.ExpressionAttributeNames, '#d': 'detector' };
        q.ExpressionAttributeValues = { ...q.ExpressionAttributeValues, ':d': query.detector };
      }
      page = await queryPage(this.doc, BY_ACTOR, q, query.actor, query.cursor, limit, filtered);
    } else if (query.detector !== undefined) {
      page = await queryPage(this.doc, BY_DETECTOR, base(BY_DETECTOR, query.detector), query.detector, query.cursor, limit, false);
    } else {
      page = await queryShardedPage(this.doc, BY_LAST_SEEN, (s) => base(BY_LAST_SEEN, s), this.shards, query.cursor, limit, false);
    }
    return { items: page.items.map(toAnomaly), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }
}

function toAnomaly(item: Item): AnomalyV1 {
  const copy: Item = { ...item };
  for (const k of INTERNAL) delete copy[k];
  return copy as unknown as AnomalyV1;
}
