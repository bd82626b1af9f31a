import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, encodeCursor } from '@flowguard/persistence';
import fc from 'fast-check';
import { queryPage, queryShardedPage, shardOf, type IndexSpec, type Item } from './dynamo-query';

const SPEC: IndexSpec = { indexName: 'byX', tableKey: 'id', hashAttr: 'part', rangeAttr: 'at' };

/**
 * Enough of DynamoDB's Query for paging logic: one partition, range
 * descending, ties in an order of the fake's own choosing (id ascending, the
 * opposite of the merge's tie-break, to prove the merge never assumes it),
 * ExclusiveStartKey and Limit.
 */
function fakeDoc(items: Item[]): { doc: DynamoDBDocumentClient; calls: () => number } {
  let calls = 0;
  const send = async (cmd: { input: Record<string, unknown> }) => {
    calls++;
    const input = cmd.input;
    const hash = (input['ExpressionAttributeValues'] as Record<string, unknown>)[':h'];
    const part = items
      .filter((i) => i['part'] === hash)
      .sort((a, b) => (b['at'] as number) - (a['at'] as number) || String(a['id']).localeCompare(String(b['id'])));
    const start = input['ExclusiveStartKey'] as Item | undefined;
    const from = start ? part.findIndex((i) => i['id'] === start['id']) + 1 : 0;
    const limit = input['Limit'] as number;
    const out = part.slice(from, from + limit);
    const more = from + limit < part.length;
    return { Items: out, ...(more ? { LastEvaluatedKey: { id: out[out.length - 1]?.['id'], part: hash, at: out[out.length - 1]?.['at'] } } : {}) };
  };
  return { doc: { send } as unknown as DynamoDBDocumentClient, calls: () => calls };
}

async function drain(fetch: (cursor: string | undefined) => Promise<{ items: Item[]; cursor?: string }>) {
  const out: Item[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    out.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.cursor;
  } while (cursor !== undefined && sizes.length < 1000);
  return { out, sizes };
}

describe('queryShardedPage', () => {
  it('pages through every shard newest first, each item once, with an exact last page', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 40 }),
      async (shardCount, limit, ats) => {
        const shards = Array.from({ length: shardCount }, (_, i) => `S#${i}`);
        const items = ats.map((at, i) => {
          const id = `item-${String(i).padStart(3, '0')}`;
          return { id, at, part: shards[shardOf(id, shardCount)] };
        });
        const { doc } = fakeDoc(items);
        const { out, sizes } = await drain((cursor) =>
          queryShardedPage(doc, SPEC, (s) => ({ TableName: 't', ExpressionAttributeValues: { ':h': s } }), shards, cursor, limit, false));
        expect(out.map((i) => i['id']).sort()).toEqual(items.map((i) => i.id).sort());
        const seen = out.map((i) => i['at'] as number);
        expect(seen).toEqual([...seen].sort((a, b) => b - a));
        // every page is full except the last, and no empty trailing page
        sizes.slice(0, -1).forEach((n) => expect(n).toBe(limit));
        if (items.length > 0) expect(sizes[sizes.length - 1]).toBeGreaterThan(0);
      },
    ), { numRuns: 150 });
  });

  it('refuses a cursor with the wrong number of shard positions', async () => {
    const { doc } = fakeDoc([]);
    const shards = ['S#0', 'S#1'];
    await expect(queryShardedPage(doc, SPEC, () => ({ TableName: 't' }), shards, encodeCursor({ m: [null] }), 5, false))
      .rejects.toBeInstanceOf(InvalidCursorError);
    await expect(queryShardedPage(doc, SPEC, () => ({ TableName: 't' }), shards,
      encodeCursor({ m: [{ id: 'a', part: 'S#1', at: 1 }, null] }), 5, false)).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('queryPage', () => {
  it('returns no cursor when the partition ends exactly at the page boundary', async () => {
    const items = Array.from({ length: 4 }, (_, i) => ({ id: `i${i}`, part: 'p', at: i }));
    const { doc, calls } = fakeDoc(items);
    const page = await queryPage(doc, SPEC, { TableName: 't', ExpressionAttributeValues: { ':h': 'p' } }, 'p', undefined, 4, false);
    expect(page.items.map((i) => i['id'])).toEqual(['i3', 'i2', 'i1', 'i0']);
    expect(page.cursor).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it('rejects a cursor of another partition before asking DynamoDB', async () => {
    const { doc, calls } = fakeDoc([]);
    const foreign = encodeCursor({ id: 'x', part: 'q', at: 1 });
    await expect(queryPage(doc, SPEC, { TableName: 't' }, 'p', foreign, 4, false)).rejects.toBeInstanceOf(InvalidCursorError);
    expect(calls()).toBe(0);
  });
});

describe('shardOf', () => {
  it('is stable and spreads ids over all shards', () => {
    expect(shardOf('inc-abc', 8)).toBe(shardOf('inc-abc', 8));
    const counts = new Array(8).fill(0) as number[];
    for (let i = 0; i < 8000; i++) {
      const s = shardOf(`anom-${i}`, 8);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(shardOf('anything', 1)).toBe(0);
  });
});
