/**
 * Reads a VPC flow-log Parquet object (AWS writes GZIP or, on request,
 * Snappy/ZSTD) with hyparquet, one row range (row group) at a time, and maps
 * it through {@link mapParquetRows}. Pure: it takes bytes or an AsyncBuffer,
 * the caller does the IO.
 */
import { compressors } from 'hyparquet-compressors';
import { parquetMetadataAsync, parquetScan, type AsyncBuffer } from 'hyparquet';
import { FlowBatch } from '@flowguard/contracts';
import { ParseResult, emptyCounts } from '../parse-result';
import { mapParquetRows } from './parquet-rows.mapper';

export interface ParquetParseOptions {
  source?: string;
  /** rows per emitted batch (default 8192) */
  batchSize?: number;
}

function toAsyncBuffer(file: AsyncBuffer | ArrayBuffer | Uint8Array): AsyncBuffer {
  if (file instanceof Uint8Array) {
    // hyparquet wants an ArrayBuffer (or AsyncBuffer) that starts at the file's first byte
    return file.byteOffset === 0 && file.byteLength === file.buffer.byteLength
      ? (file.buffer as ArrayBuffer)
      : (file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
  }
  return file;
}

/**
 * Parse a Parquet flow-log file into batches. A file hyparquet cannot read
 * yields one result with a `bad_parquet` error instead of throwing: one
 * corrupt object must not stop a folder or a bucket.
 */
export async function* parseParquetFlowLogs(
  file: AsyncBuffer | ArrayBuffer | Uint8Array,
  options: ParquetParseOptions = {},
): AsyncGenerator<ParseResult> {
  const batchSize = Math.max(1, options.batchSize ?? 8192);
  let scan: Awaited<ReturnType<typeof parquetScan>>;
  let names: string[];
  const buffer = toAsyncBuffer(file);
  try {
    const metadata = await parquetMetadataAsync(buffer);
    scan = await parquetScan({ file: buffer, metadata, compressors });
    names = metadata.schema.slice(1).filter((e) => !e.num_children).map((e) => e.name);
  } catch (e) {
    yield fileError(options.source, e);
    return;
  }
  for (const range of scan.ranges) {
    const columns: Record<string, ArrayLike<unknown>> = {};
    try {
      for (const name of names) columns[name] = await scan.readColumn({ column: name, rowStart: range.rowStart, rowEnd: range.rowEnd });
    } catch (e) {
      yield fileError(options.source, e, range.rowStart + 1);
      return;
    }
    const rows = range.rowEnd - range.rowStart;
    for (let offset = 0; offset < rows; offset += batchSize) {
      yield mapParquetRows(columns, {
        source: options.source,
        offset,
        count: Math.min(batchSize, rows - offset),
        firstRowNumber: range.rowStart + offset + 1,
      });
    }
  }
}

function fileError(source: string | undefined, e: unknown, row = 0): ParseResult {
  const counts = emptyCounts();
  counts.errors['bad_parquet'] = 1;
  const message = `not a readable Parquet file: ${e instanceof Error ? e.message : String(e)}`;
  const result: ParseResult = {
    batch: new FlowBatch(1),
    errors: [{ line: row, field: null, reason: 'bad_parquet', message, raw: '', ...(source !== undefined ? { source } : {}) }],
    counts,
  };
  if (source !== undefined) result.source = source;
  return result;
}
