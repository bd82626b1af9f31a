import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  clampLimit, cloneRecord, validateFeedback, type AnalystFeedback, type AnalystFeedbackRepository, type FeedbackQuery, type Page,
} from '@flowguard/persistence';
import { isConditionalCheckFailed } from './dynamo-errors';
import { queryPage, queryShardedPage, shardOf, type IndexSpec, type Item, type PartitionQuery } from './dynamo-query';
import { FeedbackTable } from './dynamo-tables';

export interface DynamoFeedbackRepositoryOptions {
  readonly tableName: string;
  /** partitions of the list-all index (default 1: feedback arrives at human rate) */
  readonly listShards?: number;
}

const spec = (indexName: string, hashAttr: string): IndexSpec => ({ indexName, tableKey: FeedbackTable.key, hashAttr, rangeAttr: 'createdAt' });
const BY_DETECTOR = spec(FeedbackTable.byDetector, 'detector');
const BY_SUBJECT = spec(FeedbackTable.bySubject, 'subjectId');
const BY_CREATED = spec(FeedbackTable.byCreated, FeedbackTable.allKey);

/** Analyst feedback (FR5.3) in DynamoDB: immutable items, create-if-absent by feedbackId. */
export class DynamoFeedbackRepository implements AnalystFeedbackRepository {
  private readonly shards: string[];

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly options: DynamoFeedbackRepositoryOptions,
  ) {
    const n = Math.max(1, Math.floor(options.listShards ?? 1));
    this.shards = Array.from({ length: n }, (_, i) => `F#${i}`);
  }

  async record(feedback: AnalystFeedback): Promise<{ readonly created: boolean; readonly feedback: AnalystFeedback }> {
    validateFeedback(feedback);
    const f = cloneRecord(feedback);
    try {
      await this.doc.send(new PutCommand({
        TableName: this.options.tableName,
        Item: { ...f, [FeedbackTable.allKey]: this.shards[shardOf(f.feedbackId, this.shards.length)] },
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': FeedbackTable.key },
      }));
      return { created: true, feedback: f };
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
      const stored = await this.get(f.feedbackId);
      if (!stored) throw e;
      return { created: false, feedback: stored };
    }
  }

  async get(feedbackId: string): Promise<AnalystFeedback | null> {
    const out = await this.doc.send(new GetCommand({
      TableName: this.options.tableName, Key: { [FeedbackTable.key]: feedbackId }, ConsistentRead: true,
    }));
    return out.Item ? toFeedback(out.Item) : null;
  }

  async list(query: FeedbackQuery): Promise<Page<AnalystFeedback>> {
    const limit = clampLimit(query.limit);
    const hasSince = query.since !== undefined;
    // subject is the narrowest partition; the detector then becomes a filter
    const filterDetector = query.subjectId !== undefined && query.detector !== undefined;
    const base = (index: IndexSpec, hash: string): PartitionQuery => ({
      TableName: this.options.tableName,
      IndexName: index.indexName,
      KeyConditionExpression: `#h = :h${hasSince ? ' AND #r >= :since' : ''}`,
      ExpressionAttributeNames: { '#h': index.hashAttr, ...(hasSince ? { '#r': index.rangeAttr } : {}), ...(filterDetector ? { '#d': 'detector' } : {}) },
      ExpressionAttributeValues: { ':h': hash, ...(hasSince ? { ':since': query.since } : {}), ...(filterDetector ? { ':d': query.detector } : {}) },
      ...(filterDetector ? { FilterExpression: '#d = :d' } : {}),
    });
    let page: Page<Item>;
    if (query.subjectId !== undefined) {
      page = await queryPage(this.doc, BY_SUBJECT, base(BY_SUBJECT, query.subjectId), query.subjectId, query.cursor, limit, filterDetector);
    } else if (query.detector !== undefined) {
      page = await queryPage(this.doc, BY_DETECTOR, base(BY_DETECTOR, query.detector), query.detector, query.cursor, limit, false);
    } else {
      page = await queryShardedPage(this.doc, BY_CREATED, (s) => base(BY_CREATED, s), this.shards, query.cursor, limit, false);
    }
    return { items: page.items.map(toFeedback), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }
}

function toFeedback(item: Item): AnalystFeedback {
  const copy: Item = { ...item };
  delete copy[FeedbackTable.allKey];
  return copy as unknown as AnalystFeedback;
}
