/**
 * Request shaping, backpressure, retry and dead-letter logic against a
 * scripted client (the real-server behaviour is in the integration spec).
 */
import type { Client } from '@opensearch-project/opensearch';
import { batchFromRecords } from '@flowguard/contracts';
import { flowFixtures } from '../testing/flow-fixtures';
import { dailyIndexDate, dailyIndexName, dailyIndicesBetween, flowIndexTemplate, flowIsmPolicy } from './flow-index.template';
import { OpenSearchFlowIndexer, type FlowDeadLetter, type OpenSearchFlowIndexerOptions } from './opensearch-flow.indexer';

type ItemResult = { status: number; error?: { type: string; reason: string } };
type Responder = (ids: string[], call: number) => Promise<ItemResult[]> | ItemResult[];

function fakeClient(respond: Responder) {
  const calls: { ids: string[]; indices: string[] }[] = [];
  const client = {
    bulk: async (params: { body: string }) => {
      const lines = params.body.trim().split('\n');
      const actions = lines.filter((_, k) => k % 2 === 0).map((l) => JSON.parse(l).index as { _index: string; _id: string });
      const ids = actions.map((a) => a._id);
      calls.push({ ids, indices: actions.map((a) => a._index) });
      const results = await respond(ids, calls.length);
      return { body: { errors: results.some((r) => r.status >= 300), items: results.map((r) => ({ index: r })) } };
    },
  };
  return { client: client as unknown as Client, calls };
}

const ok = (ids: string[]) => ids.map(() => ({ status: 201 }));
const T0 = 1709647200;

function indexer(client: Client, over: Partial<OpenSearchFlowIndexerOptions> = {}) {
  const dead: FlowDeadLetter[] = [];
  const errors: Error[] = [];
  const ix = new OpenSearchFlowIndexer({
    client,
    deadLetter: (items) => void dead.push(...items),
    onError: (e) => void errors.push(e),
    sleep: async () => undefined,
    random: () => 0.5,
    ...over,
  });
  return { ix, dead, errors };
}

describe('OpenSearchFlowIndexer', () => {
  it('splits rows into bulk requests by document count and routes each to its daily index', async () => {
    const { client, calls } = fakeClient(ok);
    const { ix } = indexer(client, { maxBulkDocs: 30 });
    await ix.index(batchFromRecords(flowFixtures({ count: 100, start: T0, step: 900 })));
    await ix.flush();
    expect(calls.map((c) => c.ids.length)).toEqual([30, 30, 30, 10]);
    const indices = new Set(calls.flatMap((c) => c.indices));
    expect([...indices].sort()).toEqual(['flowguard-flows-2024.03.05', 'flowguard-flows-2024.03.06']);
    expect(ix.metrics()).toMatchObject({ docsSubmitted: 100, docsIndexed: 100, docsDeadLettered: 0, bulkRequests: 4, inFlightRequests: 0, inFlightBytes: 0 });
  });

  it('makes the caller wait while the in-flight bytes cap or the concurrency limit is reached', async () => {
    const batch = batchFromRecords(flowFixtures({ count: 10, start: T0 }));
    const probe = indexer(fakeClient(ok).client);
    await probe.ix.index(batch);
    const bodyBytes = probe.ix.metrics().maxInFlightBytesSeen;
    const cap = Math.floor(bodyBytes * 1.5);
    const release: (() => void)[] = [];
    const { client, calls } = fakeClient((ids) => new Promise((r) => release.push(() => r(ok(ids)))));
    const { ix } = indexer(client, { maxBulkDocs: 10, maxConcurrency: 4, maxInFlightBytes: cap });
    let admitted = 0;
    const pending = [1, 2, 3].map(() => ix.index(batch).then(() => void admitted++));
    await new Promise((r) => setImmediate(r));
    // the second body does not fit under the cap while the first is out
    expect(admitted).toBe(1);
    expect(calls.length).toBe(1);
    expect(ix.metrics().backpressureWaits).toBe(2);
    release.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(admitted).toBe(2);
    while (release.length || admitted < 3) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(pending);
    await ix.flush();
    expect(ix.metrics().maxInFlightBytesSeen).toBe(bodyBytes);
    expect(ix.metrics().docsIndexed).toBe(30);
  });

  it('retries a request rejected with 429 or 5xx, then succeeds', async () => {
    let n = 0;
    const client = {
      bulk: async (params: { body: string }) => {
        if (++n <= 2) throw Object.assign(new Error(n === 1 ? 'Too Many Requests' : 'Bad Gateway'), { meta: { statusCode: n === 1 ? 429 : 502 } });
        const count = params.body.trim().split('\n').length / 2;
        return { body: { errors: false, items: Array.from({ length: count }, () => ({ index: { status: 201 } })) } };
      },
    } as unknown as Client;
    const sleeps: number[] = [];
    const { ix, dead } = indexer(client, { sleep: async (ms) => void sleeps.push(ms), baseBackoffMs: 100 });
    await ix.index(batchFromRecords(flowFixtures({ count: 5, start: T0 })));
    await ix.flush();
    expect(dead).toEqual([]);
    expect(ix.metrics()).toMatchObject({ docsIndexed: 5, retriedRequests: 2, bulkRequests: 3 });
    expect(sleeps).toEqual([75, 150]); // exponential, jittered (random 0.5)
  });

  it('retries only the items that failed with 429, dead-letters items rejected for good', async () => {
    const first = new Map<string, number>();
    const { client, calls } = fakeClient((ids, call) =>
      ids.map((id, k) => {
        if (call === 1) first.set(id, k);
        const pos = first.get(id) as number;
        if (call === 1 && pos % 3 === 1) return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } };
        if (pos % 3 === 2) return { status: 400, error: { type: 'mapper_parsing_exception', reason: "failed to parse field [srcaddr] of type [ip]" } };
        return { status: 201 };
      }),
    );
    const { ix, dead } = indexer(client);
    await ix.index(batchFromRecords(flowFixtures({ count: 9, start: T0 })));
    await ix.flush();
    expect(calls.map((c) => c.ids.length)).toEqual([9, 3]);
    expect(dead.length).toBe(3);
    expect(dead[0]).toMatchObject({ status: 400, attempts: 1, reason: expect.stringMatching(/^mapper_parsing_exception: failed to parse field \[srcaddr\]/) });
    expect(dead[0]?.document['flow_id']).toBe(dead[0]?.id);
    expect(ix.metrics()).toMatchObject({ docsIndexed: 6, docsDeadLettered: 3, retriedItems: 3 });
  });

  it('dead-letters items still failing after maxAttempts, and whole requests after a non-retryable error', async () => {
    const { client } = fakeClient((ids) => ids.map(() => ({ status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } })));
    const { ix, dead } = indexer(client, { maxAttempts: 3 });
    await ix.index(batchFromRecords(flowFixtures({ count: 4, start: T0 })));
    await ix.flush();
    expect(dead.length).toBe(4);
    expect(dead[0]).toMatchObject({ status: 503, attempts: 3, reason: expect.stringMatching(/^gave up after 3 attempts: unavailable_shards_exception/) });

    const bad = { bulk: async () => { throw Object.assign(new Error('Request Entity Too Large'), { meta: { statusCode: 413 } }); } } as unknown as Client;
    const second = indexer(bad);
    await second.ix.index(batchFromRecords(flowFixtures({ count: 2, start: T0 })));
    await second.ix.flush();
    expect(second.dead.map((d) => d.status)).toEqual([413, 413]);
    expect(second.ix.metrics().bulkRequests).toBe(1);
  });

  it('retries connection errors (no HTTP status)', async () => {
    let n = 0;
    const client = {
      bulk: async () => {
        if (++n === 1) throw new Error('connect ECONNREFUSED');
        return { body: { errors: false, items: [{ index: { status: 201 } }] } };
      },
    } as unknown as Client;
    const { ix, dead } = indexer(client);
    await ix.index(batchFromRecords(flowFixtures({ count: 1, start: T0 })));
    await ix.flush();
    expect(dead).toEqual([]);
    expect(ix.metrics().docsIndexed).toBe(1);
  });

  it('counts and reports a failing dead-letter sink without throwing', async () => {
    const { client } = fakeClient((ids) => ids.map(() => ({ status: 400, error: { type: 'x', reason: 'y' } })));
    const errors: Error[] = [];
    const ix = new OpenSearchFlowIndexer({ client, deadLetter: () => { throw new Error('DLQ down'); }, onError: (e) => void errors.push(e) });
    await ix.index(batchFromRecords(flowFixtures({ count: 2, start: T0 })));
    await ix.flush();
    expect(ix.metrics()).toMatchObject({ docsDeadLettered: 2, deadLetterErrors: 1 });
    expect(errors[0]?.message).toMatch(/dead-letter sink failed for 2 flow documents \(x: y\): DLQ down/);
  });
});

describe('flow index naming and template', () => {
  it('names daily indices by UTC day and parses them back', () => {
    expect(dailyIndexName(T0)).toBe('flowguard-flows-2024.03.05');
    expect(dailyIndexName(T0 + 10 * 3600)).toBe('flowguard-flows-2024.03.06');
    expect(dailyIndexDate('flowguard-flows-2024.03.05')).toBe('2024-03-05');
    expect(dailyIndexDate('flowguard-flows-2024.02.30')).toBeUndefined();
    expect(dailyIndexDate('flowguard-flows-other')).toBeUndefined();
    expect(dailyIndexDate('x-2024.03.05', 'x')).toBe('2024-03-05');
    expect(dailyIndicesBetween(T0, T0 + 86400)).toEqual(['flowguard-flows-2024.03.05', 'flowguard-flows-2024.03.06']);
    expect(dailyIndicesBetween(T0 - 14 * 3600, T0 - 14 * 3600 + 86400)).toEqual(['flowguard-flows-2024.03.05']);
  });

  it('maps addresses as ip, ids as keyword, times as epoch seconds, behind the alias', () => {
    const t = flowIndexTemplate({ replicas: 0 });
    const p = t.template.mappings.properties;
    expect([p.srcaddr.type, p.dstaddr.type, p.pkt_srcaddr.type, p.pkt_dstaddr.type]).toEqual(['ip', 'ip', 'ip', 'ip']);
    expect([p.account_id.type, p.interface_id.type, p.action.type, p.log_status.type, p.flow_id.type]).toEqual(['keyword', 'keyword', 'keyword', 'keyword', 'keyword']);
    expect(p.start).toEqual({ type: 'date', format: 'epoch_second' });
    expect(p.flowguard_marks.type).toBe('integer');
    expect(t.index_patterns).toEqual(['flowguard-flows-*']);
    expect(t.template.aliases).toEqual({ 'flowguard-flows': {} });
    expect(flowIsmPolicy(14).policy.states[0]?.transitions[0]?.conditions.min_index_age).toBe('14d');
  });
});
