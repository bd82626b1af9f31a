import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FlowBatch } from '@flowguard/contracts';
import { FlowLogParser, type ParseCounts, type ParseError, addCounts, emptyCounts } from '@flowguard/flowlog';

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

const FLOW_FILE = /\.(log|txt)(\.gz)?$/;

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
 * Stream flow-log text files (.log, .log.gz) through the flow-log parser; a bad
 * line is a counted parse error, a file that cannot be read or decompressed is
 * an `io_error` for that file, and reading goes on with the next one.
 */
export async function readFlowFiles(files: readonly InputFile[], opts: ReadOptions): Promise<ReadSummary> {
  const counts = emptyCounts();
  const errors: ParseError[] = [];
  let done = 0;
  const note = (e: ParseError[]) => {
    for (const x of e) if (errors.length < 50) errors.push(x);
  };
  for (const f of files) {
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
        for (const r of parser.push(chunk as Buffer)) {
          addCounts(counts, r.counts);
          note(r.errors);
          opts.onBatch(r.batch, f.path);
        }
      }
      const last = parser.end();
      addCounts(counts, last.counts);
      note(last.errors);
      opts.onBatch(last.batch, f.path);
    } catch (e) {
      raw.destroy();
      counts.errors['io_error'] = (counts.errors['io_error'] ?? 0) + 1;
      note([{ line: 0, field: null, reason: 'io_error', message: (e as Error).message, raw: '', source: f.path }]);
    }
    done += f.bytes;
    opts.onProgress?.(done);
  }
  return { files: files.length, counts, errors };
}
