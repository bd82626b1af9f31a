import { createReadStream, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FlowBatch } from '@flowguard/contracts';
import {
  FlowLogParser, type ParseCounts, type ParseError, type ParseResult, addCounts, emptyCounts, parseParquetFlowLogs,
} from '@flowguard/flowlog';

export interface InputFile {
  path: string;
  bytes: number;
}

export interface ReadOptions {
  /** `${field}` format for files without a header line */
  format?: string;
  /** called for every parsed batch, in file order */
  onBatch(batch: FlowBatch, source: string): void;
  /** bytes consumed so far (compressed bytes for .gz), for progress */
  onProgress?(bytes: number): void;
}

export interface ReadSummary {
  files: number;
  counts: ParseCounts;
  /** the first errors, for the report (all are counted) */
  errors: ParseError[];
}

const FLOW_FILE = /\.((log|txt)(\.gz)?|parquet)$/i;

/** Expand files and folders (recursively, sorted by path, which orders S3-style keys by time); `-` is stdin. */
export function listInputs(paths: readonly string[]): InputFile[] {
  const out: InputFile[] = [];
  const walk = (p: string, explicit: boolean) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) walk(join(p, name), false);
    } else if (explicit || FLOW_FILE.test(p)) {
      out.push({ path: p, bytes: st.size });
    }
  };
  for (const p of paths) {
    if (p === '-') out.push({ path: '-', bytes: 0 });
    else walk(p, true);
  }
  return out;
}

/**
 * Stream flow-log text files (.log, .log.gz) through the flow-log parser and read
 * .parquet files with the flow-log Parquet parser; a bad line is a counted parse
 * error, a file that cannot be read or decompressed is an `io_error` (or
 * `bad_parquet`) for that file, and reading goes on with the next one.
 *
 * The file readers of @flowguard/ingest-adapters (files/) do the same and more, but
 * the library does not export them yet; this should delegate to them once it does.
 */
export async function readFlowFiles(files: readonly InputFile[], opts: ReadOptions): Promise<ReadSummary> {
  const counts = emptyCounts();
  const errors: ParseError[] = [];
  let done = 0;
  const note = (e: ParseError[]) => {
    for (const x of e) if (errors.length < 50) errors.push(x);
  };
  const take = (r: ParseResult) => {
    addCounts(counts, r.counts);
    note(r.errors);
    if (r.batch.length > 0) opts.onBatch(r.batch, r.source ?? '');
  };
  for (const f of files) {
    if (/\.parquet$/i.test(f.path)) {
      try {
        // whole-file read: Parquet needs its footer first; flow-log objects are tens of MB
        for await (const r of parseParquetFlowLogs(readFileSync(f.path), { source: f.path })) take(r);
      } catch (e) {
        counts.errors['io_error'] = (counts.errors['io_error'] ?? 0) + 1;
        note([{ line: 0, field: null, reason: 'io_error', message: (e as Error).message, raw: '', source: f.path }]);
      }
      done += f.bytes;
      opts.onProgress?.(done);
      continue;
    }
    const parser = new FlowLogParser({ source: f.path, ...(opts.format ? { format: opts.format } : {}) });
    const raw: Readable = f.path === '-' ? process.stdin : createReadStream(f.path, { highWaterMark: 1 << 20 });
    let consumed = 0;
    raw.on('data', (c) => {
      consumed += (c as Buffer).length;
      opts.onProgress?.(done + consumed);
    });
    const stream: Readable = f.path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    try {
      for await (const chunk of stream) {
        for (const r of parser.push(chunk as Buffer)) take(r);
      }
      take(parser.end());
    } catch (e) {
      raw.destroy();
      // the rows parsed before the failure are good: keep them, drop the cut-off line
      take(parser.end({ truncated: true }));
      counts.errors['io_error'] = (counts.errors['io_error'] ?? 0) + 1;
      note([{ line: 0, field: null, reason: 'io_error', message: (e as Error).message, raw: '', source: f.path }]);
    }
    done += f.bytes;
    opts.onProgress?.(done);
  }
  return { files: files.length, counts, errors };
}
