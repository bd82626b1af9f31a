/**
 * Flow storage throughput: the partitioned ZSTD Parquet writer (hyparquet-writer
 * + zstd-wasm) against DuckDB (appender + COPY ... (FORMAT parquet, COMPRESSION
 * zstd)) on the same rows in the same run; a history query on the written
 * files; and, when OPENSEARCH_URL is set, bulk indexing through the indexer
 * against raw `_bulk` calls with the same bodies, plus query latency.
 *
 *   scripts/run-ts.sh bench/storage-flows/storage-flows.bench.ts [--rows 300000] [--docs 100000] [--rich]
 *   OPENSEARCH_URL=http://127.0.0.1:19200 scripts/run-ts.sh bench/storage-flows/storage-flows.bench.ts
 *
 * One run on one machine; the 2-core machines are shared, so compare the
 * rows of one run with each other, not across runs.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client } from '@opensearch-project/opensearch';
import { batchFromRecords, recordAt, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import {
  documentFromRow, ensureFlowIndexTemplate, FlowHistoryService, LocalDirectorySink, OpenSearchFlowHistory, OpenSearchFlowIndexer,
  ParquetFlowHistory, PartitionedParquetWriter, type FlowQuery,
} from '@flowguard/flow-storage';
import { flowFixtures } from '@flowguard/flow-storage';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg('rows', 300_000);
const DOCS = arg('docs', 100_000);
const RICH = process.argv.includes('--rich');
const BATCH = 8192;
const T0 = 1709596800; // 2024-03-05T00:00:00Z

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const line = (name: string, value: string, note = '') => console.log(`${name.padEnd(62)} ${value.padStart(14)}  ${note}`);
const mb = (b: number) => `${fmt(b / 1048576, 1)} MiB`;

/** Peak RSS and heap while `fn` runs, sampled every 20 ms. */
async function withMemory<T>(fn: () => Promise<T>): Promise<{ result: T; peakRss: number; peakHeap: number }> {
  global.gc?.();
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  try {
    const result = await fn();
    return { result, peakRss, peakHeap };
  } finally {
    clearInterval(timer);
  }
}

async function dirBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith('.parquet')) continue;
    files++;
    bytes += (await stat(join(e.parentPath, e.name))).size;
  }
  return { files, bytes };
}

function makeBatches(): { batches: FlowBatch[]; records: FlowRecord[] } {
  // one day of traffic from two accounts: ~24 hour partitions per account
  const records = flowFixtures({ count: ROWS, start: T0, step: 86400 / ROWS, accounts: ['111111111111', '222222222222'], rich: RICH });
  for (const r of records) r.start = Math.floor(r.start as number);
  for (const r of records) r.end = (r.start as number) + 60;
  const batches: FlowBatch[] = [];
  for (let i = 0; i < records.length; i += BATCH) batches.push(batchFromRecords(records.slice(i, i + BATCH)));
  return { batches, records };
}

async function benchParquet(batches: FlowBatch[], dir: string): Promise<void> {
  const sink = new LocalDirectorySink(join(dir, 'hyparquet'));
  const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
  await w.write(batchFromRecords([recordAt(batches[0] as FlowBatch, 0)])); // load the wasm module outside the timing
  await w.flush();
  await rm(join(dir, 'hyparquet'), { recursive: true, force: true });
  const t0 = performance.now();
  const { peakRss, peakHeap } = await withMemory(async () => {
    for (const b of batches) await w.write(b);
    await w.flush();
  });
  const s = (performance.now() - t0) / 1000;
  const { files, bytes } = await dirBytes(join(dir, 'hyparquet'));
  line('parquet writer (hyparquet-writer + zstd-wasm): rows/s', fmt(ROWS / s), `${fmt(s, 2)} s, ${files} files`);
  line('parquet writer: bytes/row', fmt(bytes / ROWS, 1), `${mb(bytes)} total`);
  line('parquet writer: peak RSS / heap during the write', `${mb(peakRss)}`, `heap ${mb(peakHeap)}`);
  const m = w.metrics();
  line('parquet writer: row groups / flush latency', fmt(m.rowGroupsWritten), `last flush ${fmt(m.lastFlushMs)} ms`);
}

async function benchDuckDb(batches: FlowBatch[], dir: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', { threads: String(Math.min(2, cpus().length)) });
  const con = await db.connect();
  await con.run(`CREATE TABLE flows (version INTEGER, account_id VARCHAR, interface_id VARCHAR, srcaddr VARCHAR, dstaddr VARCHAR,
    srcport INTEGER, dstport INTEGER, protocol INTEGER, packets BIGINT, bytes BIGINT, start BIGINT, "end" BIGINT, action VARCHAR, log_status VARCHAR,
    region VARCHAR, date VARCHAR, hour VARCHAR)`);
  const t0 = performance.now();
  const appender = await con.createAppender('flows');
  const acts = [null, 'ACCEPT', 'REJECT'];
  for (const b of batches) {
    const s = b.strings;
    for (let i = 0; i < b.length; i++) {
      const start = b.start[i] as number;
      const iso = new Date(start * 1000).toISOString();
      appender.appendInteger(b.version[i] as number);
      appender.appendVarchar(s.get(b.accountId[i] as number));
      appender.appendVarchar(s.get(b.interfaceId[i] as number));
      appender.appendVarchar(s.get(b.srcAddr[i] as number));
      appender.appendVarchar(s.get(b.dstAddr[i] as number));
      appender.appendInteger(b.srcPort[i] as number);
      appender.appendInteger(b.dstPort[i] as number);
      appender.appendInteger(b.protocol[i] as number);
      appender.appendBigInt(BigInt(b.packets[i] as number));
      appender.appendBigInt(BigInt(b.bytes[i] as number));
      appender.appendBigInt(BigInt(start));
      appender.appendBigInt(BigInt(b.end[i] as number));
      const a = acts[b.action[i] as number];
      if (a) appender.appendVarchar(a);
      else appender.appendNull();
      appender.appendVarchar('OK');
      appender.appendVarchar('eu-west-1');
      appender.appendVarchar(iso.slice(0, 10));
      appender.appendVarchar(iso.slice(11, 13));
      appender.endRow();
    }
  }
  appender.closeSync();
  const t1 = performance.now();
  const out = join(dir, 'duckdb');
  await con.run(`COPY flows TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (account_id, region, date, hour))`);
  const t2 = performance.now();
  const { files, bytes } = await dirBytes(out);
  line('duckdb baseline (appender + COPY zstd, partitioned): rows/s', fmt(ROWS / ((t2 - t0) / 1000)), `${fmt((t2 - t0) / 1000, 2)} s, ${files} files`);
  line('duckdb: appender alone / COPY alone rows/s', fmt(ROWS / ((t1 - t0) / 1000)), `COPY ${fmt(ROWS / ((t2 - t1) / 1000))} rows/s`);
  line('duckdb: bytes/row (14 core columns)', fmt(bytes / ROWS, 1), `${mb(bytes)} total`);
  con.closeSync();
}

async function benchParquetQuery(records: FlowRecord[], dir: string): Promise<void> {
  const service = new FlowHistoryService(new ParquetFlowHistory({ sink: new LocalDirectorySink(join(dir, 'hyparquet')) }));
  const ip = records[17]?.srcAddr as string;
  const queries: [string, FlowQuery][] = [
    ['parquet history: newest 100 of a day', { from: T0, to: T0 + 86400, limit: 100 }],
    ['parquet history: one ip over a day', { ip, from: T0, to: T0 + 86400, limit: 100 }],
    ['parquet history: /24 + port 22 over 6 h', { cidr: '10.0.1.0/24', port: 22, from: T0 + 6 * 3600, to: T0 + 12 * 3600, limit: 100 }],
  ];
  for (const [name, q] of queries) {
    const t0 = performance.now();
    const page = await service.query(q);
    line(`${name} (ms)`, fmt(performance.now() - t0), `${page.records.length} records`);
  }
}

async function benchOpenSearch(url: string, batches: FlowBatch[]): Promise<void> {
  const client = new Client({ node: url });
  const prefix = `bench-flows-${process.pid}`;
  try {
    await ensureFlowIndexTemplate(client, { prefix, replicas: 0, refreshInterval: '30s' });
    let docs = 0;
    const use: FlowBatch[] = [];
    for (const b of batches) {
      if (docs >= DOCS) break;
      use.push(b);
      docs += b.length;
    }
    const dead: number[] = [];
    const indexer = new OpenSearchFlowIndexer({ client, prefix, deadLetter: (d) => void dead.push(d.length) });
    const t0 = performance.now();
    for (const b of use) await indexer.index(b);
    await indexer.flush();
    const s = (performance.now() - t0) / 1000;
    const m = indexer.metrics();
    line('opensearch indexer: docs/s (5 MiB bulks, 2 in flight)', fmt(m.docsIndexed / s), `${fmt(s, 2)} s, ${m.bulkRequests} requests, ${m.backpressureWaits} waits, ${dead.length} dead-letter calls`);

    // baseline: the same documents as prebuilt bodies, raw client.bulk, same concurrency, into a throwaway prefix
    const rawPrefix = `bench-raw-${process.pid}`;
    await ensureFlowIndexTemplate(client, { prefix: rawPrefix, replicas: 0, refreshInterval: '30s' });
    const bodies: string[] = [];
    let body = '';
    for (const b of use) {
      for (let i = 0; i < b.length; i++) {
        body += `{"index":{"_index":"${rawPrefix}-2024.03.05"}}\n${JSON.stringify(documentFromRow(b, i))}\n`;
        if (body.length >= 5 * 1024 * 1024) {
          bodies.push(body);
          body = '';
        }
      }
    }
    if (body) bodies.push(body);
    const t1 = performance.now();
    let next = 0;
    await Promise.all([0, 1].map(async () => {
      while (next < bodies.length) await client.bulk({ body: bodies[next++] as never });
    }));
    const s2 = (performance.now() - t1) / 1000;
    line('opensearch baseline (raw _bulk, prebuilt bodies, auto ids): docs/s', fmt(docs / s2), `${fmt(s2, 2)} s`);
    await client.indices.delete({ index: `${rawPrefix}-*` });
    await client.indices.deleteIndexTemplate({ name: rawPrefix });

    await client.indices.refresh({ index: `${prefix}-*` });
    const service = new FlowHistoryService(new OpenSearchFlowHistory({ client, prefix }));
    const q: FlowQuery = { cidr: '10.0.1.0/24', port: 22, from: T0, to: T0 + 86400, limit: 100 };
    const times: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      await service.query(q);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    line('opensearch history: /24 + port over a day, p50 / p95 (ms)', fmt(times[10] as number, 1), `p95 ${fmt(times[18] as number, 1)}`);
  } finally {
    await client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await client.close();
  }
}

async function main(): Promise<void> {
  console.log(`flow storage bench: ${fmt(ROWS)} rows${RICH ? ' (v5 fields)' : ' (v2 fields)'}, node ${process.version}, ${cpus().length} cpus`);
  const { batches, records } = makeBatches();
  const dir = await mkdtemp(join(tmpdir(), 'fg-bench-flows-'));
  try {
    await benchParquet(batches, dir);
    await benchDuckDb(batches, dir);
    await benchParquetQuery(records, dir);
    const url = process.env['OPENSEARCH_URL'];
    if (url) await benchOpenSearch(url, batches);
    else line('opensearch', 'skipped', 'set OPENSEARCH_URL (node scripts/servers/servers.mjs up opensearch)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
