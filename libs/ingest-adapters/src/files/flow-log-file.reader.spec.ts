import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { recordAt } from '@flowguard/contracts';
import { FileParseResult, flowLogFileKind, readFlowLogFile, readFlowLogFolder, readFlowLogStdin, readFlowLogStream } from './flow-log-file.reader';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (i: number) => `2 123456789012 eni-${i} 10.0.0.${i % 250} 198.51.100.${i % 200} ${1024 + i} 443 6 ${i + 1} ${(i + 1) * 100} 1700000000 1700000060 ACCEPT OK`;
const text = (n: number, from = 0) => [HEADER, ...Array.from({ length: n }, (_, i) => row(from + i))].join('\n') + '\n';

async function all(gen: AsyncIterable<FileParseResult>): Promise<FileParseResult[]> {
  const out: FileParseResult[] = [];
  for await (const r of gen) out.push(r);
  return out;
}
const records = (rs: FileParseResult[]) => rs.reduce((n, r) => n + r.batch.length, 0);

describe('flow-log file readers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowguard-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('classifies files by name', () => {
    expect(flowLogFileKind('a/b.log')).toBe('text');
    expect(flowLogFileKind('x_20250101T0000Z_abc.log.gz')).toBe('gzip');
    expect(flowLogFileKind('X.PARQUET')).toBe('parquet');
    expect(flowLogFileKind('notes.md')).toBeNull();
  });

  it('streams a .log file in small chunks into full batches, tagging the source and the last result', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, text(250));
    const rs = await all(readFlowLogFile(path, { chunkBytes: 333, batchSize: 100 }));
    expect(rs.map((r) => r.batch.length)).toEqual([100, 100, 50]);
    expect(rs.map((r) => r.last)).toEqual([false, false, true]);
    expect(rs.every((r) => r.source === path)).toBe(true);
    expect(recordAt((rs[0] as FileParseResult).batch, 0)).toMatchObject({ interfaceId: 'eni-0', srcPort: 1024 });
  });

  it('gunzips .log.gz, including multi-member gzip as S3 may deliver, and gzip hidden behind a .log name', async () => {
    const gz = join(dir, 'b.log.gz');
    writeFileSync(gz, Buffer.concat([gzipSync(text(30)), gzipSync(text(20, 30))]));
    const rs = await all(readFlowLogFile(gz));
    expect(records(rs)).toBe(50);
    expect(rs.reduce((n, r) => n + r.counts.headers, 0)).toBe(2);
    const disguised = join(dir, 'c.log');
    writeFileSync(disguised, gzipSync(text(7)));
    expect(records(await all(readFlowLogFile(disguised)))).toBe(7);
  });

  it('keeps the rows before a gzip corruption and reports the break as io_error', async () => {
    const gz = gzipSync(text(2000));
    const path = join(dir, 'cut.log.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const rs = await all(readFlowLogFile(path));
    const errors = rs.flatMap((r) => r.errors);
    expect(records(rs)).toBeGreaterThan(100);
    expect(records(rs)).toBeLessThan(2000);
    expect(errors.at(-1)).toMatchObject({ reason: 'io_error', source: path });
    expect(rs.at(-1)?.last).toBe(true);
    // no half line was accepted as a record
    for (const r of rs) for (let i = 0; i < r.batch.length; i++) expect(r.batch.end[i]).toBe(1700000060);
  });

  it('reads .parquet through a file-backed buffer', async () => {
    const path = join(dir, 'd.parquet');
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'srcaddr', data: ['10.0.0.1', '10.0.0.2', 'bad'], type: 'STRING' },
        { name: 'log_status', data: ['OK', 'NODATA', 'OK'], type: 'STRING' },
      ],
    });
    writeFileSync(path, new Uint8Array(buf));
    const rs = await all(readFlowLogFile(path));
    expect(records(rs)).toBe(2);
    expect(rs.flatMap((r) => r.errors)).toMatchObject([{ line: 3, reason: 'bad_address', source: path }]);
    expect(rs.at(-1)?.last).toBe(true);
    const broken = join(dir, 'e.parquet');
    writeFileSync(broken, 'PAR1 this is not parquet');
    expect((await all(readFlowLogFile(broken)))[0]?.errors[0]?.reason).toBe('bad_parquet');
  });

  it('walks folders recursively in path order, skips other files, and survives unreadable entries', async () => {
    mkdirSync(join(dir, 'AWSLogs/1/vpcflowlogs/us-east-1/2025/01/02'), { recursive: true });
    mkdirSync(join(dir, 'AWSLogs/1/vpcflowlogs/us-east-1/2025/01/01'), { recursive: true });
    writeFileSync(join(dir, 'AWSLogs/1/vpcflowlogs/us-east-1/2025/01/02/b.log.gz'), gzipSync(text(3)));
    writeFileSync(join(dir, 'AWSLogs/1/vpcflowlogs/us-east-1/2025/01/01/a.log'), text(2));
    writeFileSync(join(dir, 'README.md'), 'not a flow log');
    symlinkSync(join(dir, 'missing.log'), join(dir, 'dangling.log'));
    symlinkSync(dir, join(dir, 'loop')); // a folder link is not followed
    const rs = await all(readFlowLogFolder(dir));
    expect(rs.map((r) => [r.source.slice(dir.length + 1), r.batch.length])).toEqual([
      ['AWSLogs/1/vpcflowlogs/us-east-1/2025/01/01/a.log', 2],
      ['AWSLogs/1/vpcflowlogs/us-east-1/2025/01/02/b.log.gz', 3],
    ]);
    expect((await all(readFlowLogFolder(join(dir, 'nope'))))[0]?.errors[0]?.reason).toBe('io_error');
  });

  it('reports a missing file as io_error instead of throwing', async () => {
    const rs = await all(readFlowLogFile(join(dir, 'nope.log')));
    expect(rs).toHaveLength(1);
    expect(rs[0]).toMatchObject({ last: true, counts: { errors: { io_error: 1 } } });
    expect(rs[0]?.errors[0]?.message).toMatch(/ENOENT/);
  });

  it('reads stdin-like streams: text split anywhere, gzip and Parquet by magic bytes', async () => {
    const t = text(5);
    const pieces = [t.slice(0, 1), t.slice(1, 2), t.slice(2, 50), t.slice(50)];
    const rs = await all(readFlowLogStdin({}, Readable.from(pieces.map((p) => Buffer.from(p)))));
    expect(records(rs)).toBe(5);
    expect(rs.every((r) => r.source === 'stdin')).toBe(true);
    const gz = gzipSync(t);
    expect(records(await all(readFlowLogStream(Readable.from([gz.subarray(0, 1), gz.subarray(1)]), 'pipe')))).toBe(5);
    const pq = Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'srcaddr', data: ['10.0.0.1'], type: 'STRING' }] }));
    expect(records(await all(readFlowLogStream(Readable.from([pq.subarray(0, 2), pq.subarray(2)]), 'pipe')))).toBe(1);
    const empty = await all(readFlowLogStream(Readable.from([]), 'empty'));
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ last: true, counts: { lines: 0 } });
  });

  it('applies a configured format to header-less input', async () => {
    const rs = await all(readFlowLogStream(Readable.from([Buffer.from('10.0.0.1 443\n')]), 'cw', { format: '${srcaddr} ${srcport}' }));
    expect(recordAt((rs[0] as FileParseResult).batch, 0)).toMatchObject({ srcAddr: '10.0.0.1', srcPort: 443 });
  });
});
