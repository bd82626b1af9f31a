import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromRecords, recordAt, type FlowRecord } from '@flowguard/contracts';
import { parquetMetadataAsync } from 'hyparquet';
import { LocalDirectorySink } from '../sinks/local-directory.sink';
import { flowFixtures } from '../testing/flow-fixtures';
import { MemorySink } from '../testing/memory.sink';
import { must } from '../testing/must';
import { CORE_PARQUET_COLUMNS } from './flow-parquet.schema';
import { readFlowFile } from './flow-parquet.reader';
import { parsePartitionPath } from './partition-path';
import { FlowStorageError, PartitionedParquetWriter, type PartitionedParquetWriterOptions } from './partitioned-parquet.writer';

const T0 = 1709647200; // 2024-03-05T14:00:00Z

async function readAll(sink: MemorySink | LocalDirectorySink, prefix = ''): Promise<Map<string, FlowRecord[]>> {
  const out = new Map<string, FlowRecord[]>();
  for (const o of await sink.list(prefix)) {
    const r = await sink.open(o.key);
    out.set(o.key, await readFlowFile(r));
    await r.close();
  }
  return out;
}

function writer(sink: MemorySink | LocalDirectorySink, over: Partial<PartitionedParquetWriterOptions> = {}) {
  return new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1', ...over });
}

describe('PartitionedParquetWriter', () => {
  it('writes each row to account/region/date/hour of its start and reads back the same records', async () => {
    const records = flowFixtures({ count: 600, start: T0 - 1800, step: 7, accounts: ['111111111111', '222222222222'], rich: true });
    records[3] = { version: 2, accountId: '111111111111', interfaceId: 'eni-1', start: T0 + 5, end: T0 + 65, logStatus: 'NODATA' };
    records[4] = { version: 2, interfaceId: 'eni-2', start: T0 + 6, end: T0 + 66, logStatus: 'SKIPDATA' }; // no account
    const batch = batchFromRecords(records);
    const sink = new MemorySink();
    const w = writer(sink);
    await w.write(batch);
    expect(await sink.list()).toEqual([]); // nothing visible before the files are closed
    await w.flush();

    const files = await readAll(sink);
    const got = new Map<string, FlowRecord[]>();
    for (const [key, recs] of files) {
      const p = must(parsePartitionPath(key), 'partition');
      expect(key).toMatch(/\.parquet$/);
      got.set(`${p.account}/${p.region}/${p.date}/${p.hour}`, recs);
    }
    const expected = new Map<string, FlowRecord[]>();
    for (let i = 0; i < batch.length; i++) {
      const r = recordAt(batch, i);
      const d = new Date(must(r.start) * 1000).toISOString();
      const k = `${r.accountId ?? 'unknown'}/eu-west-1/${d.slice(0, 10)}/${d.slice(11, 13)}`;
      expected.set(k, [...(expected.get(k) ?? []), r]);
    }
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, recs] of expected) expect(got.get(k)).toEqual(recs);
    expect(got.get('unknown/eu-west-1/2024-03-05/14')?.[0]?.logStatus).toBe('SKIPDATA');
    const m = w.metrics();
    expect(m.rowsCommitted).toBe(600);
    expect(m.rowsReceived).toBe(600);
    expect(m.filesCommitted).toBe(files.size);
    expect(m.rolls.flush).toBe(files.size);
    expect(m.openFiles).toBe(0);
    expect(m.rowsBuffered).toBe(0);
  });

  it('uses the region field when a row has one, else the default region', async () => {
    const records = flowFixtures({ count: 50, start: T0, regions: ['us-east-1', 'ap-south-1'] });
    records.push(...flowFixtures({ count: 5, start: T0, seed: 9 }));
    const sink = new MemorySink();
    const w = writer(sink);
    await w.write(batchFromRecords(records));
    await w.flush();
    const regions = new Set((await sink.list()).map((o) => parsePartitionPath(o.key)?.region));
    expect([...regions].sort()).toEqual(['ap-south-1', 'eu-west-1', 'us-east-1']);
  });

  it('names columns as the AWS Parquet flow-log schema, ZSTD compressed, extras with underscores', async () => {
    const sink = new MemorySink();
    const w = writer(sink);
    await w.write(batchFromRecords(flowFixtures({ count: 20, start: T0, rich: true })));
    await w.flush();
    const [obj] = await sink.list();
    const bytes = must(sink.objects.get(must(obj).key));
    const meta = await parquetMetadataAsync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    const leaves = meta.schema.slice(1);
    const names = leaves.map((e) => e.name);
    expect(names.slice(0, 14)).toEqual(['version', 'account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log_status']);
    expect(names).toEqual(expect.arrayContaining(['tcp_flags', 'flow_direction', 'traffic_path', 'flowguard_marks', 'vpc_id', 'subnet_id', 'pkt_srcaddr', 'pkt_dst_aws_service']));
    const type = (n: string) => must(leaves.find((e) => e.name === n), n);
    expect(type('srcport').type).toBe('INT32');
    expect(type('packets').type).toBe('INT64');
    expect(type('start').type).toBe('INT64');
    expect(type('srcaddr')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(type('vpc_id')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(leaves.length).toBe(CORE_PARQUET_COLUMNS.length + 4);
    for (const c of must(meta.row_groups[0]).columns) expect(c.meta_data?.codec).toBe('ZSTD');
  });

  it('rolls a file before it would exceed maxFileBytes', async () => {
    const sink = new MemorySink();
    const w = writer(sink, { maxFileBytes: 12_000, rowGroupRows: 200 });
    const records = flowFixtures({ count: 2000, start: T0, step: 0 }); // one partition
    for (let i = 0; i < records.length; i += 500) await w.write(batchFromRecords(records.slice(i, i + 500)));
    await w.flush();
    const objs = await sink.list();
    expect(objs.length).toBeGreaterThanOrEqual(3);
    const groupBytes = Math.max(...objs.map((o) => o.size)) / 2;
    for (const o of objs) expect(o.size).toBeLessThanOrEqual(12_000 + groupBytes);
    const { size, flush } = w.metrics().rolls;
    expect(size + flush).toBe(objs.length);
    expect(size).toBeGreaterThanOrEqual(objs.length - 1);
    const all = [...(await readAll(sink)).values()].flat();
    expect(all.length).toBe(2000);
    expect(all.map((r) => r.srcPort)).toEqual(records.map((r) => r.srcPort));
  });

  it('rolls files by age on rollExpired and keeps writing to a new file', async () => {
    let now = 1_000_000;
    const sink = new MemorySink();
    const w = writer(sink, { maxFileAgeMs: 300_000, now: () => now });
    await w.write(batchFromRecords(flowFixtures({ count: 10, start: T0 })));
    expect(await w.rollExpired()).toBe(0);
    now += 300_000;
    expect(await w.rollExpired()).toBe(1);
    expect((await sink.list()).length).toBe(1);
    await w.write(batchFromRecords(flowFixtures({ count: 10, start: T0, seed: 2 })));
    await w.flush();
    expect((await sink.list()).length).toBe(2);
    expect(w.metrics().rolls).toMatchObject({ age: 1, flush: 1 });
  });

  it('starts a new file when a batch brings a text field the written schema lacks', async () => {
    const sink = new MemorySink();
    const w = writer(sink, { rowGroupRows: 5 });
    await w.write(batchFromRecords(flowFixtures({ count: 10, start: T0 }))); // two row groups written
    const rich = flowFixtures({ count: 3, start: T0, rich: true, seed: 3 });
    await w.write(batchFromRecords(rich));
    await w.flush();
    const files = [...(await readAll(sink)).values()];
    expect(files.map((f) => f.length).sort()).toEqual([10, 3]);
    expect(files.find((f) => f.length === 3)?.[0]?.fields?.['vpc-id']).toBe(rich[0]?.fields?.['vpc-id']);
    expect(w.metrics().rolls.schema).toBe(1);
  });

  it('adds a new text column to a file that has not written a row group yet (no roll)', async () => {
    const sink = new MemorySink();
    const w = writer(sink);
    await w.write(batchFromRecords(flowFixtures({ count: 4, start: T0 })));
    await w.write(batchFromRecords(flowFixtures({ count: 4, start: T0, rich: true, seed: 4 })));
    await w.flush();
    const files = [...(await readAll(sink)).values()];
    expect(files.length).toBe(1);
    expect(files[0]?.slice(0, 4).every((r) => r.fields === undefined)).toBe(true);
    expect(files[0]?.[4]?.fields?.['vpc-id']).toBeDefined();
  });

  it('closes the least recently written file when maxOpenFiles is reached', async () => {
    const sink = new MemorySink();
    const w = writer(sink, { maxOpenFiles: 2 });
    for (const h of [0, 1, 2]) await w.write(batchFromRecords(flowFixtures({ count: 3, start: T0 + h * 3600 })));
    expect(w.metrics().openFiles).toBe(2);
    expect(w.metrics().rolls.evicted).toBe(1);
    expect(parsePartitionPath((await sink.list())[0]?.key)?.hour).toBe('14');
    await w.flush();
    expect((await sink.list()).length).toBe(3);
  });

  it('encodes the largest buffers early when maxBufferedRows is exceeded', async () => {
    const sink = new MemorySink();
    const w = writer(sink, { maxBufferedRows: 100, rowGroupRows: 10_000 });
    await w.write(batchFromRecords(flowFixtures({ count: 150, start: T0, step: 60 })));
    const m = w.metrics();
    expect(m.earlyRowGroups).toBeGreaterThan(0);
    expect(m.rowsBuffered).toBeLessThanOrEqual(50);
    await w.flush();
    expect(w.metrics().rowsCommitted).toBe(150);
  });

  it('reports a failed sink write as a FlowStorageError and counts the lost rows', async () => {
    const sink = new MemorySink();
    sink.failWriteAt = 1;
    const w = writer(sink);
    await w.write(batchFromRecords(flowFixtures({ count: 8, start: T0 })));
    const err = await w.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowStorageError);
    expect((err as FlowStorageError).rowsLost).toBe(8);
    expect((err as Error).message).toMatch(/disk full/);
    expect(w.metrics()).toMatchObject({ failedFiles: 1, rowsLost: 8, rowsCommitted: 0, openFiles: 0, rowsBuffered: 0 });
    expect(sink.inProgress.size).toBe(0);
    // the writer keeps working afterwards
    await w.write(batchFromRecords(flowFixtures({ count: 2, start: T0 })));
    await w.flush();
    expect(w.metrics().rowsCommitted).toBe(2);
  });

  it('rejects invalid options with a clear message', () => {
    expect(() => writer(new MemorySink(), { maxFileBytes: 0 })).toThrow(/maxFileBytes must be a positive number/);
    expect(() => new PartitionedParquetWriter({ sink: new MemorySink(), defaultRegion: '' })).toThrow(/defaultRegion is required/);
  });

  describe('with the local directory sink', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fg-parquet-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('keeps in-progress files hidden under a dot name until they are renamed into place', async () => {
      const sink = new LocalDirectorySink(dir);
      const w = writer(sink, { rowGroupRows: 5 });
      await w.write(batchFromRecords(flowFixtures({ count: 12, start: T0 })));
      const partDir = join(dir, 'account=123456789012', 'region=eu-west-1', 'date=2024-03-05', 'hour=14');
      const during = await readdir(partDir);
      expect(during.length).toBe(1);
      expect(during[0]).toMatch(/^\.part-.*\.inprogress$/);
      expect(await sink.list()).toEqual([]);
      await w.flush();
      const after = await readdir(partDir);
      expect(after).toEqual([expect.stringMatching(/^part-\d{8}T\d{6}Z-[0-9a-f]{8}-000001\.zstd\.parquet$/)]);
      const files = await readAll(sink);
      expect([...files.values()][0]?.length).toBe(12);
    });
  });
});
