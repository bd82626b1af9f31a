import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, InvalidCursorError, isPlainObject, type Page } from '@flowguard/persistence';
import { isValidationError } from './dynamo-errors';

/** A GSI whose hash is a string, range a number, on a table keyed by one string. */
export interface IndexSpec {
  readonly indexName: string;
  readonly tableKey: string;
  readonly hashAttr: string;
  readonly rangeAttr: string;
}

export type Item = Record<string, unknown>;
type Key = Record<string, string | number>;

/** The query of one index partition, without paging fields. */
export type PartitionQuery = Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit' | 'ScanIndexForward'>;

/** The LastEvaluatedKey DynamoDB would give after `item`; all three attributes are projected (ALL). */
export function keyOf(spec: IndexSpec, item: Item): Key {
  return {
    [spec.tableKey]: item[spec.tableKey] as string,
    [spec.hashAttr]: item[spec.hashAttr] as string,
    [spec.rangeAttr]: item[spec.rangeAttr] as number,
  };
}

function isKeyFor(spec: IndexSpec, v: unknown, hashValue?: string): v is Key {
  if (!isPlainObject(v) || Object.keys(v).length !== 3) return false;
  return typeof v[spec.tableKey] === 'string'
    && typeof v[spec.hashAttr] === 'string'
    && (hashValue === undefined || v[spec.hashAttr] === hashValue)
    && Number.isFinite(v[spec.rangeAttr]);
}

/**
 * Reads one partition newest first from `start` until `need` items matched or
 * it ends. With a FilterExpression, Limit counts evaluated items, so read in
 * chunks and keep going; the caller cuts the overshoot.
 */
async function fetchFrom(
  doc: DynamoDBDocumentClient, query: PartitionQuery, start: Key | undefined, need: number, filtered: boolean,
): Promise<{ readonly items: Item[]; readonly exhausted: boolean }> {
  const items: Item[] = [];
  let lek: Record<string, unknown> | undefined = start;
  do {
    const remaining = need - items.length;
    let out;
    try {
      out = await doc.send(new QueryCommand({
        ...query, ScanIndexForward: false, Limit: filtered ? Math.max(remaining, 50) : remaining,
        ...(lek ? { ExclusiveStartKey: lek } : {}),
      }));
    } catch (e) {
      // a well-formed cursor of another index or table: still not one we issued for this query
      if (lek === start && start !== undefined && isValidationError(e)) throw new InvalidCursorError();
      throw e;
    }
    items.push(...((out.Items ?? []) as Item[]));
    lek = out.LastEvaluatedKey;
  } while (items.length < need && lek);
  return { items, exhausted: lek === undefined };
}

/** One page of one index partition; the cursor is the key of the last item returned. */
export async function queryPage(
  doc: DynamoDBDocumentClient, spec: IndexSpec, query: PartitionQuery, hashValue: string,
  cursor: string | undefined, limit: number, filtered: boolean,
): Promise<Page<Item>> {
  const start = cursor === undefined ? undefined : decodeCursor(cursor, (v): v is Key => isKeyFor(spec, v, hashValue));
  const { items } = await fetchFrom(doc, query, start, limit + 1, filtered);
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  return { items: page, cursor: encodeCursor(keyOf(spec, page[limit - 1] as Item)) };
}

type ShardPosition = Key | null | 'done';

/**
 * One page over a write-sharded index: query every shard partition, merge
 * newest first. The cursor keeps one position per shard (its last item
 * returned, null = not started, 'done'). Each shard's order is DynamoDB's own,
 * so a shard's returned items are always a prefix of what remains in it.
 */
export async function queryShardedPage(
  doc: DynamoDBDocumentClient, spec: IndexSpec, queryFor: (shard: string) => PartitionQuery, shards: readonly string[],
  cursor: string | undefined, limit: number, filtered: boolean,
): Promise<Page<Item>> {
  const isCursor = (v: unknown): v is { m: ShardPosition[] } =>
    isPlainObject(v) && Array.isArray(v['m']) && v['m'].length === shards.length
    && v['m'].every((p, i) => p === null || p === 'done' || isKeyFor(spec, p, shards[i]));
  const positions: ShardPosition[] = cursor === undefined ? shards.map(() => null) : decodeCursor(cursor, isCursor).m;

  const fetched = await Promise.all(shards.map((shard, i) => {
    const pos = positions[i];
    return pos === 'done' ? { items: [], exhausted: true } : fetchFrom(doc, queryFor(shard), pos ?? undefined, limit + 1, filtered);
  }));

  const heads = shards.map(() => 0);
  const last: Array<Item | undefined> = shards.map(() => undefined);
  const page: Item[] = [];
  while (page.length < limit) {
    let best = -1;
    for (let i = 0; i < shards.length; i++) {
      const cand = fetched[i]?.items[heads[i] ?? 0];
      if (!cand) continue;
      const cur = best < 0 ? undefined : fetched[best]?.items[heads[best] ?? 0];
      if (!cur || newer(spec, cand, cur)) best = i;
    }
    if (best < 0) break;
    const item = fetched[best]?.items[heads[best] ?? 0] as Item;
    page.push(item);
    last[best] = item;
    heads[best] = (heads[best] ?? 0) + 1;
  }

  const next: ShardPosition[] = shards.map((_, i) => {
    const f = fetched[i];
    if (f && f.exhausted && (heads[i] ?? 0) >= f.items.length) return 'done';
    const l = last[i];
    return l ? keyOf(spec, l) : (positions[i] ?? null);
  });
  return next.every((p) => p === 'done') ? { items: page } : { items: page, cursor: encodeCursor({ m: next }) };
}

function newer(spec: IndexSpec, a: Item, b: Item): boolean {
  const ra = a[spec.rangeAttr] as number;
  const rb = b[spec.rangeAttr] as number;
  if (ra !== rb) return ra > rb;
  return String(a[spec.tableKey]) > String(b[spec.tableKey]);
}

/** Stable shard of an id (FNV-1a), so a rewritten item stays in its partition. */
export function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
