import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowBatch } from '@flowguard/contracts';
import { type ParseCounts, type ParseError, addCounts, emptyCounts } from '@flowguard/flowlog';
// the file readers' own entry point: the library's barrel loads the AWS SDK clients (~0.5 s of start-up)
import { readFlowLogFile, readFlowLogStdin, type FileReadOptions } from '@flowguard/ingest-adapters/files';

export interface InputFile {
  path: string;
  bytes: number;
}

export interface ReadOptions {
  /** `${field}` format for files without a header line */
  format?: string;
  /** called for every parsed batch, in file order; reading waits while a returned promise is pending */
  onBatch(batch: FlowBatch, source: string): void | Promise<void>;
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
 * Parse the inputs with the file readers of @flowguard/ingest-adapters (.log,
 * .log.gz, .parquet, stdin; gzip and Parquet also recognised by magic bytes). A
 * bad line is a counted parse error; a file that cannot be read or decompressed
 * is an `io_error` (or `bad_parquet`) for that file, and reading goes on.
 */
export async function readFlowFiles(files: readonly InputFile[], opts: ReadOptions): Promise<ReadSummary> {
  const counts = emptyCounts();
  const errors: ParseError[] = [];
  let done = 0;
  for (const f of files) {
    let consumed = 0;
    const options: FileReadOptions = {
      ...(opts.format ? { format: opts.format } : {}),
      onRead: (n) => {
        consumed += n;
        opts.onProgress?.(done + Math.min(consumed, f.bytes || consumed));
      },
    };
    for await (const r of f.path === '-' ? readFlowLogStdin(options) : readFlowLogFile(f.path, options)) {
      addCounts(counts, r.counts);
      for (const e of r.errors) if (errors.length < 50) errors.push(e);
      if (r.batch.length > 0) {
        const wait = opts.onBatch(r.batch, r.source);
        if (wait) await wait;
      }
    }
    done += f.bytes;
    opts.onProgress?.(done);
  }
  return { files: files.length, counts, errors };
}
