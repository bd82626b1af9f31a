/**
 * Reads stored flow files back (embedded history queries, round-trip tests):
 * row groups whose `start` statistics cannot overlap the wanted time range are
 * skipped, columns are decoded lazily, and rows map to {@link FlowRecord}s
 * exactly as `recordAt` would show the batch row that was written.
 */
import type { FlowRecord } from '@flowguard/contracts';
import { parquetMetadataAsync, parquetScan, type AsyncBuffer, type FileMetaData, type ParquetQueryFilter } from 'hyparquet';
import type { ObjectReader } from '../sinks/object-sink.port';
import { fieldNameFromParquetColumn, isCoreParquetColumn } from './flow-parquet.schema';
import { initZstd, zstdDecompress } from './zstd.codec';

// our files are ZSTD (Snappy is built into hyparquet)
const compressors = { ZSTD: zstdDecompress };

export interface FlowFileRange {
  readonly rowStart: number;
  readonly rowEnd: number;
  /** decoded values of one column for this range (index 0 = rowStart); empty array when the file lacks it */
  column(name: string): Promise<ArrayLike<unknown>>;
}

export interface FlowFileScan {
  readonly metadata: FileMetaData;
  readonly columnNames: readonly string[];
  readonly ranges: readonly FlowFileRange[];
}

function asyncBufferOf(reader: ObjectReader): AsyncBuffer {
  // hyparquet asks for the footer, then column chunks; cache nothing beyond what it asks
  return { byteLength: reader.size, slice: (start: number, end?: number) => reader.read(start, end ?? reader.size) };
}

/**
 * Prepare a scan of one stored file. With `from`/`to` (Unix seconds, [from, to)),
 * row groups whose start min/max exclude the range are not listed.
 */
export async function scanFlowFile(reader: ObjectReader, range: { from?: number; to?: number } = {}): Promise<FlowFileScan> {
  await initZstd();
  const file = asyncBufferOf(reader);
  const metadata = await parquetMetadataAsync(file);
  const columnNames = metadata.schema.slice(1).filter((e) => !e.num_children).map((e) => e.name);
  let pruningFilter: ParquetQueryFilter | undefined;
  if (range.from !== undefined || range.to !== undefined) {
    const cond: Record<string, bigint> = {};
    if (range.from !== undefined) cond['$gte'] = BigInt(range.from);
    if (range.to !== undefined) cond['$lt'] = BigInt(range.to);
    pruningFilter = { start: cond } as ParquetQueryFilter;
  }
  const scan = await parquetScan({ file, metadata, compressors, ...(pruningFilter ? { pruningFilter } : {}) });
  const present = new Set(columnNames);
  const ranges = scan.ranges.map((r): FlowFileRange => {
    const cache = new Map<string, Promise<ArrayLike<unknown>>>();
    return {
      rowStart: r.rowStart,
      rowEnd: r.rowEnd,
      column: (name) => {
        if (!present.has(name)) return Promise.resolve([]);
        let p = cache.get(name);
        if (!p) cache.set(name, (p = scan.readColumn({ column: name, rowStart: r.rowStart, rowEnd: r.rowEnd }) as Promise<ArrayLike<unknown>>));
        return p;
      },
    };
  });
  return { metadata, columnNames, ranges };
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : typeof v === 'bigint' ? Number(v) : (v as number));
const text = (v: unknown): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v));

/** Decoded columns of a range, keyed by Parquet column name. */
export type DecodedColumns = Record<string, ArrayLike<unknown>>;

export async function readAllColumns(range: FlowFileRange, names: readonly string[]): Promise<DecodedColumns> {
  const out: DecodedColumns = {};
  for (const n of names) out[n] = await range.column(n);
  return out;
}

/** Row `i` of decoded columns as a FlowRecord (absent values omitted, like `recordAt`). */
export function recordFromColumns(cols: DecodedColumns, i: number): FlowRecord {
  const at = (name: string): unknown => cols[name]?.[i];
  const r: FlowRecord = {};
  const set = <K extends keyof FlowRecord>(k: K, v: FlowRecord[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('version', num(at('version')));
  set('accountId', text(at('account_id')));
  set('interfaceId', text(at('interface_id')));
  set('srcAddr', text(at('srcaddr')));
  set('dstAddr', text(at('dstaddr')));
  set('srcPort', num(at('srcport')));
  set('dstPort', num(at('dstport')));
  set('protocol', num(at('protocol')));
  set('packets', num(at('packets')));
  set('bytes', num(at('bytes')));
  set('start', num(at('start')));
  set('end', num(at('end')));
  const action = at('action');
  if (action === 'ACCEPT' || action === 'REJECT') r.action = action;
  const status = at('log_status');
  if (status === 'OK' || status === 'NODATA' || status === 'SKIPDATA') r.logStatus = status;
  set('tcpFlags', num(at('tcp_flags')));
  const dir = at('flow_direction');
  if (dir === 'ingress' || dir === 'egress') r.flowDirection = dir;
  set('trafficPath', num(at('traffic_path')));
  const marks = num(at('flowguard_marks'));
  if (marks) r.marks = marks;
  let fields: Record<string, string> | undefined;
  for (const name of Object.keys(cols)) {
    if (isCoreParquetColumn(name)) continue;
    const v = text(at(name));
    if (v === undefined) continue;
    (fields ??= {})[fieldNameFromParquetColumn(name)] = v;
  }
  if (fields) r.fields = fields;
  return r;
}

/** Every record of a stored file, in file order (tests, exports). */
export async function readFlowFile(reader: ObjectReader): Promise<FlowRecord[]> {
  const scan = await scanFlowFile(reader);
  const out: FlowRecord[] = [];
  for (const range of scan.ranges) {
    const cols = await readAllColumns(range, scan.columnNames);
    for (let i = 0; i < range.rowEnd - range.rowStart; i++) out.push(recordFromColumns(cols, i));
  }
  return out;
}
