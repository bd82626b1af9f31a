import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ABSENT, LogStatus, recordAt } from '@flowguard/contracts';
import { parquetColumnName } from '../fields/field-registry';
import { compileFormat } from '../format/flow-log-format';
import { formatFlowLogRow } from '../format/flow-log.writer';
import { ParseResult } from '../parse-result';
import { parseFlowLogText } from '../parser/flow-log.parser';
import { lineArb } from '../testing/flow-log-lines.fixtures';
import { parseParquetFlowLogs } from './parquet-flow-log.parser';
import { mapParquetRows } from './parquet-rows.mapper';

async function collect(gen: AsyncGenerator<ParseResult>): Promise<ParseResult[]> {
  const out: ParseResult[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

const FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status', 'vpc-id', 'tcp-flags', 'flow-direction', 'traffic-path', 'pkt-src-aws-service', 'ecs-task-id'];
const INT32 = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp-flags', 'traffic-path']);
const INT64 = new Set(['packets', 'bytes', 'start', 'end']);

/** The text lines as a Parquet file in the AWS layout (underscore names, typed columns, nulls for `-`). */
function toParquet(lines: string[], rowGroupSize = 1000): ArrayBuffer {
  const cells = lines.map((l) => l.split(' '));
  return parquetWriteBuffer({
    codec: 'GZIP',
    compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) },
    rowGroupSize,
    columnData: FIELDS.map((name, k) => {
      const raw = cells.map((c) => (c[k] === '-' ? null : (c[k] as string)));
      if (INT32.has(name)) return { name: parquetColumnName(name), type: 'INT32' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
      if (INT64.has(name)) return { name: parquetColumnName(name), type: 'INT64' as const, data: raw.map((v) => (v === null ? null : BigInt(v))) };
      return { name: parquetColumnName(name), type: 'STRING' as const, data: raw };
    }),
  });
}

describe('Parquet flow logs', () => {
  it('reads the AWS layout with ZSTD compression (fixture written by DuckDB)', async () => {
    const file = readFileSync(join(__dirname, '../testing/fixtures/flows-v5.zstd.parquet'));
    const [r, ...rest] = await collect(parseParquetFlowLogs(file, { source: 'fixture.parquet' }));
    expect(rest).toEqual([]);
    if (!r) throw new Error('no result');
    expect(r.counts).toMatchObject({ lines: 4, records: 3, nodata: 1, errors: { bad_address: 1 } });
    expect(r.errors[0]).toMatchObject({ line: 4, field: 'dstaddr', reason: 'bad_address', source: 'fixture.parquet' });
    expect(r.errors[0]?.raw).toContain('dstaddr=not-an-ip');
    expect(recordAt(r.batch, 0)).toEqual({
      version: 5, accountId: '123456789012', interfaceId: 'eni-0a1', srcAddr: '10.0.0.1', dstAddr: '198.51.100.7', srcPort: 443, dstPort: 50001,
      protocol: 6, packets: 10, bytes: 8400, start: 1700000000, end: 1700000060, action: 'ACCEPT', logStatus: 'OK', tcpFlags: 18,
      flowDirection: 'egress', trafficPath: 2, fields: { 'vpc-id': 'vpc-1', 'pkt-dst-aws-service': 'S3' },
    });
    expect(r.batch.logStatus[2]).toBe(LogStatus.NODATA);
    expect(r.batch.srcPort[2]).toBe(ABSENT);
    expect(r.batch.trafficPath[1]).toBe(ABSENT);
  });

  it('maps to the same records as the text parser (GZIP, several row groups, batch slicing)', async () => {
    const lines = fc.sample(lineArb(FIELDS), { numRuns: 230, seed: 7 }).map((l) => {
      // AWS Parquet has no way to write an invalid value; keep the text side comparable
      return l;
    });
    const format = compileFormat(FIELDS.map((n) => '${' + n + '}').join(' '));
    const text = parseFlowLogText(lines.join('\n'), { format: format.format });
    expect(text.errors).toEqual([]);
    const results = await collect(parseParquetFlowLogs(new Uint8Array(toParquet(lines, 100)), { batchSize: 64 }));
    expect(results.map((r) => r.batch.length)).toEqual([64, 36, 64, 36, 30]);
    const fromParquet = results.flatMap((r) => Array.from({ length: r.batch.length }, (_, i) => formatFlowLogRow(r.batch, i, format)));
    const fromText = Array.from({ length: text.batch.length }, (_, i) => formatFlowLogRow(text.batch, i, format));
    expect(fromParquet).toEqual(fromText);
    expect(fromParquet).toEqual(lines);
  });

  it('returns a bad_parquet error, not an exception, for a corrupt file', async () => {
    const results = await collect(parseParquetFlowLogs(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), { source: 'bad.parquet' }));
    expect(results).toHaveLength(1);
    expect(results[0]?.errors[0]).toMatchObject({ reason: 'bad_parquet', source: 'bad.parquet' });
    expect(results[0]?.counts.errors).toEqual({ bad_parquet: 1 });
    const valid = new Uint8Array(toParquet(['2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK - - - - - -']));
    const truncated = await collect(parseParquetFlowLogs(valid.subarray(0, valid.length - 20)));
    expect(truncated[0]?.errors[0]?.reason).toBe('bad_parquet');
  });
});

describe('mapParquetRows', () => {
  it('validates typed cells like the text parser and reports row numbers', () => {
    const r = mapParquetRows(
      {
        srcport: [443, 70000, null, 1.5, '80', 'x', 22],
        packets: [1n, 2n, 2n ** 60n, 3n, 4n, 5n, null],
        srcaddr: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', new Uint8Array([0x3a, 0x3a, 0x31]), '10.0.0.6', '01.0.0.7'],
        log_status: ['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'LATE'],
        future_field: ['a', null, 'c', 'd', 'e', 'f', 'g'],
      },
      { firstRowNumber: 101, source: 'p' },
    );
    expect(r.errors.map((e) => [e.line, e.field, e.reason])).toEqual([
      [102, 'srcport', 'number_range'],
      [104, 'srcport', 'bad_number'],
      [106, 'srcport', 'bad_number'],
      [103, 'packets', 'number_range'],
      [107, 'srcaddr', 'bad_address'],
    ]);
    expect(r.counts).toMatchObject({ lines: 7, records: 2 });
    expect(recordAt(r.batch, 0)).toEqual({ version: 2, srcPort: 443, packets: 1, srcAddr: '10.0.0.1', logStatus: 'OK', fields: { 'future-field': 'a' } });
    expect(recordAt(r.batch, 1)).toMatchObject({ srcPort: 80, srcAddr: '::1', packets: 4, fields: { 'future-field': 'e' } });
  });

  it('rejects cells of the wrong kind with bad_type', () => {
    const r = mapParquetRows({ srcport: [{}], action: [true] });
    expect(r.errors[0]).toMatchObject({ reason: 'bad_type', field: 'srcport' });
    expect(r.batch.length).toBe(0);
  });

  it('validates each distinct address once, also when the value was first seen in a text field', () => {
    const r = mapParquetRows({
      vpc_id: ['10.0.0.1', 'not-an-ip', 'vpc-1', 'vpc-1'],
      srcaddr: ['10.0.0.1', 'not-an-ip', '10.0.0.1', 'not-an-ip'],
      dstaddr: ['10.0.0.2', '10.0.0.2', '10.0.0.2', '10.0.0.2'],
    });
    expect(r.errors.map((e) => [e.line, e.reason])).toEqual([[2, 'bad_address'], [4, 'bad_address']]);
    expect(r.batch.length).toBe(2);
    expect([r.batch.strings.get(r.batch.srcAddr[0] as number), r.batch.strings.get(r.batch.srcAddr[1] as number)]).toEqual(['10.0.0.1', '10.0.0.1']);
  });

  it('handles no columns and empty ranges', () => {
    expect(mapParquetRows({}).batch.length).toBe(0);
    expect(mapParquetRows({ srcaddr: ['10.0.0.1'] }, { offset: 1 }).counts.lines).toBe(0);
  });
});
