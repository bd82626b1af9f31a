/**
 * Against a real OpenSearch 2.x (OPENSEARCH_URL): template and mappings, bulk
 * indexing, history queries (ip, CIDR, port, ENI, time, action, paging) equal
 * to a brute-force answer and to the Parquet backend, dead letters for
 * documents the server rejects, 429 retry through a fault-injecting proxy,
 * backpressure, and retention of daily indices. Every run uses its own index
 * prefix, so runs sharing the server do not see each other.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@opensearch-project/opensearch';
import { appendRecord, batchFromRecords, FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { PartitionedParquetWriter } from '../parquet/partitioned-parquet.writer';
import { FlowHistoryService } from '../query/flow-history.service';
import { validateFlowQuery, type FlowQuery } from '../query/flow-query';
import { OpenSearchFlowHistory } from '../query/opensearch-flow.history';
import { ParquetFlowHistory } from '../query/parquet-flow.history';
import { OpenSearchFlowRetention } from '../retention/flow-retention';
import { flowFixtures } from '../testing/flow-fixtures';
import { requireEnv, testOpenSearchClient, uniqueName } from '../testing/int-env';
import { MemorySink } from '../testing/memory.sink';
import { must } from '../testing/must';
import { allPages, referenceQuery } from '../testing/reference-query';
import { ensureFlowIndexTemplate, installIsmPolicy, ismAvailable } from './flow-index.setup';
import { dailyIndexName } from './flow-index.template';
import { OpenSearchFlowIndexer, type FlowDeadLetter, type OpenSearchFlowIndexerOptions } from './opensearch-flow.indexer';

const T0 = 1709596800; // 2024-03-05T00:00:00Z
const DAY = 86400;

describe('flow storage on OpenSearch', () => {
  let client: Client;
  const prefix = uniqueName('fgtest-flows');
  const records: FlowRecord[] = [
    ...flowFixtures({ count: 600, start: T0, step: 331, accounts: ['111111111111', '222222222222'], rich: true, seed: 31 }),
    ...flowFixtures({ count: 300, start: T0 + 17, step: 661, seed: 32 }),
  ];
  let service: FlowHistoryService;
  let parquet: FlowHistoryService;
  // the address seen most often, so an ip query returns more than one page
  const seen = new Map<string, number>();
  for (const r of records) for (const a of [r.srcAddr, r.dstAddr]) if (a) seen.set(a, (seen.get(a) ?? 0) + 1);
  const commonIp = must([...seen].sort((a, b) => b[1] - a[1])[0], 'address')[0];

  const newIndexer = (over: Partial<OpenSearchFlowIndexerOptions> = {}, dead: FlowDeadLetter[] = []) =>
    new OpenSearchFlowIndexer({ client, prefix, refresh: 'wait_for', deadLetter: (d) => void dead.push(...d), ...over });

  const count = async (index: string): Promise<number> => {
    await client.indices.refresh({ index, ignore_unavailable: true } as never);
    const res = await client.count({ index, ignore_unavailable: true, allow_no_indices: true } as never);
    return (res.body as { count: number }).count;
  };

  beforeAll(async () => {
    client = testOpenSearchClient();
    await ensureFlowIndexTemplate(client, { prefix, replicas: 0, refreshInterval: '1s' });
    const dead: FlowDeadLetter[] = [];
    const indexer = newIndexer({ maxBulkDocs: 250 }, dead);
    for (let i = 0; i < records.length; i += 200) await indexer.index(batchFromRecords(records.slice(i, i + 200)));
    await indexer.flush();
    expect(dead).toEqual([]);
    expect(indexer.metrics().docsIndexed).toBe(records.length);
    service = new FlowHistoryService(new OpenSearchFlowHistory({ client, prefix }));
    const sink = new MemorySink();
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
    await w.write(batchFromRecords(records));
    await w.flush();
    parquet = new FlowHistoryService(new ParquetFlowHistory({ sink }));
  });

  afterAll(async () => {
    await client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await client.close();
  });

  it('applies the template: daily indices behind the alias with ip/keyword/date mappings', async () => {
    const tpl = await client.indices.getIndexTemplate({ name: prefix });
    expect((tpl.body as { index_templates: unknown[] }).index_templates.length).toBe(1);
    const index = `${prefix}-2024.03.05`;
    const mapping = (await client.indices.getMapping({ index })).body as Record<string, { mappings: { properties: Record<string, { type: string; format?: string }> } }>;
    const p = must(mapping[index], 'mapping').mappings.properties;
    expect([p['srcaddr']?.type, p['dstaddr']?.type, p['pkt_srcaddr']?.type]).toEqual(['ip', 'ip', 'ip']);
    expect([p['account_id']?.type, p['interface_id']?.type, p['action']?.type, p['vpc_id']?.type, p['flow_id']?.type]).toEqual(['keyword', 'keyword', 'keyword', 'keyword', 'keyword']);
    expect(p['start']).toEqual({ type: 'date', format: 'epoch_second' });
    expect([p['srcport']?.type, p['packets']?.type, p['flowguard_marks']?.type]).toEqual(['integer', 'long', 'integer']);
    // an extra text field no mapping names is kept as keyword
    expect(p['pkt_dst_aws_service']?.type).toBe('keyword');
    const alias = (await client.indices.getAlias({ name: prefix })).body as Record<string, unknown>;
    const days = [...new Set(records.map((r) => dailyIndexName(r.start as number, prefix)))].sort();
    expect(days.length).toBe(3);
    expect(Object.keys(alias).sort()).toEqual(days);
    expect(await count(prefix)).toBe(records.length);
  });

  const cases: [string, FlowQuery][] = [
    ['time range only', { from: T0 + 3600, to: T0 + 9 * 3600, limit: 25 }],
    ['ip (either side)', { ip: commonIp, from: T0, to: T0 + 4 * DAY, limit: 2 }],
    ['IPv4 CIDR', { cidr: '10.0.3.0/24', from: T0, to: T0 + 4 * DAY, limit: 40 }],
    ['IPv6 CIDR', { cidr: '2001:db8::/32', from: T0, to: T0 + 4 * DAY, limit: 40 }],
    ['port', { port: 3389, from: T0, to: T0 + 2 * DAY, limit: 30 }],
    ['ENI', { eni: must(records[11]?.interfaceId), from: T0, to: T0 + 4 * DAY, limit: 10 }],
    ['action', { action: 'REJECT', from: T0 + DAY, to: T0 + 2 * DAY, limit: 20 }],
    ['pkt-srcaddr CIDR', { cidr: '100.64.0.0/10', action: 'ACCEPT', from: T0, to: T0 + 4 * DAY, limit: 50 }],
  ];

  it.each(cases)('answers a %s query like a brute-force scan, page by page, and like the Parquet backend', async (_name, q) => {
    const expected = referenceQuery(records, validateFlowQuery(q));
    expect(expected.length).toBeGreaterThan(q.limit ?? 100); // every case pages at least once
    const run = (s: FlowHistoryService) => allPages((cursor) => s.query({ ...q, ...(cursor ? { cursor } : {}) }));
    const fromOs = await run(service);
    expect(fromOs.records).toEqual(expected);
    const first = await service.query(q);
    const firstParquet = await parquet.query(q);
    expect(firstParquet).toEqual(first); // same records and the same cursor
    expect((await run(parquet)).records).toEqual(expected);
  });

  it('dead-letters documents the server rejects, with the reason, and indexes the rest', async () => {
    const dead: FlowDeadLetter[] = [];
    const indexer = newIndexer({}, dead);
    const batch = batchFromRecords(flowFixtures({ count: 5, start: T0 + 10 * DAY, seed: 41 }));
    appendRecord(batch, { version: 2, accountId: '111111111111', interfaceId: 'eni-bad', srcAddr: 'not-an-address', dstAddr: '10.0.0.1', start: T0 + 10 * DAY, end: T0 + 10 * DAY + 60, action: 'ACCEPT', logStatus: 'OK' });
    await indexer.index(batch);
    await indexer.flush();
    expect(dead.length).toBe(1);
    expect(dead[0]).toMatchObject({ status: 400, attempts: 1, index: `${prefix}-2024.03.15` });
    expect(dead[0]?.reason).toMatch(/^mapper_parsing_exception: .*srcaddr/);
    expect(dead[0]?.document['srcaddr']).toBe('not-an-address');
    expect(indexer.metrics()).toMatchObject({ docsIndexed: 5, docsDeadLettered: 1 });
    expect(await count(`${prefix}-2024.03.15`)).toBe(5);
  });

  it('re-indexing the same rows (a retried batch) does not duplicate them', async () => {
    const batch = batchFromRecords(records.slice(0, 50));
    const indexer = newIndexer();
    await indexer.index(batch);
    await indexer.flush();
    expect(await count(prefix)).toBe(records.length + 5);
  });

  describe('through a proxy that answers 429 to the first bulk requests', () => {
    let proxy: Server;
    let proxied: Client;
    let rejectNext = 0;

    beforeAll(async () => {
      const target = new URL(requireEnv('OPENSEARCH_URL'));
      proxy = createServer((req, res) => {
        if (req.url?.startsWith('/_bulk') && rejectNext > 0) {
          rejectNext--;
          req.resume();
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end('{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution (injected)"},"status":429}');
          return;
        }
        const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', () => res.writeHead(502).end());
        req.pipe(up);
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      proxied = testOpenSearchClient(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    });

    afterAll(async () => {
      await proxied.close();
      await new Promise<void>((r) => proxy.close(() => r()));
    });

    it('retries with backoff and indexes everything', async () => {
      rejectNext = 2;
      const dead: FlowDeadLetter[] = [];
      const indexer = new OpenSearchFlowIndexer({ client: proxied, prefix, refresh: 'wait_for', baseBackoffMs: 20, deadLetter: (d) => void dead.push(...d) });
      await indexer.index(batchFromRecords(flowFixtures({ count: 40, start: T0 + 11 * DAY, seed: 51 })));
      await indexer.flush();
      expect(dead).toEqual([]);
      expect(indexer.metrics()).toMatchObject({ retriedRequests: 2, bulkRequests: 3, docsIndexed: 40 });
      expect(await count(`${prefix}-2024.03.16`)).toBe(40);
    });

    it('dead-letters a request still rejected after maxAttempts', async () => {
      rejectNext = 3;
      const dead: FlowDeadLetter[] = [];
      const indexer = new OpenSearchFlowIndexer({ client: proxied, prefix, maxAttempts: 3, baseBackoffMs: 10, deadLetter: (d) => void dead.push(...d) });
      await indexer.index(batchFromRecords(flowFixtures({ count: 3, start: T0 + 12 * DAY, seed: 52 })));
      await indexer.flush();
      expect(dead.length).toBe(3);
      expect(dead[0]).toMatchObject({ status: 429, attempts: 3 });
      expect(dead[0]?.reason).toMatch(/after 3 attempts: HTTP 429/);
    });
  });

  it('holds callers back at the in-flight bytes cap against the real server', async () => {
    const indexer = newIndexer({ maxBulkDocs: 100, maxConcurrency: 2, maxInFlightBytes: 60_000, refresh: false });
    const batches = Array.from({ length: 8 }, (_, k) => batchFromRecords(flowFixtures({ count: 300, start: T0 + 20 * DAY + k * 300, seed: 60 + k })));
    await Promise.all(batches.map((b) => indexer.index(b)));
    await indexer.flush();
    const m = indexer.metrics();
    expect(m.backpressureWaits).toBeGreaterThan(0);
    expect(m.maxInFlightBytesSeen).toBeLessThanOrEqual(60_000);
    expect(m.docsIndexed).toBe(2400);
    expect(m.inFlightBytes).toBe(0);
    expect(await count(`${prefix}-2024.03.25`)).toBe(2400);
  });

  it('retention deletes daily indices older than N days and keeps the rest', async () => {
    const indexer = newIndexer();
    const batch = new FlowBatch(4);
    for (const d of [30, 31, 33]) appendRecord(batch, { ...must(records[0]), start: T0 + d * DAY, end: T0 + d * DAY + 60 });
    await indexer.index(batch);
    await indexer.flush();
    // now = 2024-04-07T12:00Z (T0 + 33.5 days), keep 1 day: 2024-04-06 and later stay
    const retention = new OpenSearchFlowRetention({ client, prefix, days: 1, now: () => (T0 + 33.5 * DAY) * 1000 });
    const result = await retention.sweep();
    const left = Object.keys((await client.indices.get({ index: `${prefix}-*` })).body as object).sort();
    expect(left).toEqual([`${prefix}-2024.04.07`]);
    expect(result.deleted).toContain(`${prefix}-2024.03.05`);
    expect(result.deleted).toEqual(expect.arrayContaining([`${prefix}-2024.04.04`, `${prefix}-2024.04.05`, `${prefix}-2024.03.25`]));
    expect(result.partitions).toBe(result.deleted.length);
  });

  it('reports whether ISM exists and installs the policy only where it does', async () => {
    const available = await ismAvailable(client);
    const plugins = (await client.cat.plugins({ format: 'json' })).body as unknown as { component: string }[];
    expect(available).toBe(plugins.some((p) => p.component === 'opensearch-index-management'));
    expect(await installIsmPolicy(client, 14, prefix)).toBe(available ? 'installed' : 'unavailable');
  });
});
