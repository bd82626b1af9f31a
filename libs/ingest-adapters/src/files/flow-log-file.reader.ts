/**
 * Local flow-log files for replay, backfill and the CLI: `.log` text,
 * `.log.gz` (S3 delivery format), `.parquet`, whole folders (recursive) and
 * stdin. Text is streamed through gunzip and the streaming parser, so a 75 MB
 * object is never held whole; Parquet is read through a file-backed
 * AsyncBuffer (hyparquet fetches the footer and column chunks it needs).
 *
 * Whatever goes wrong with one file (missing, unreadable, corrupt gzip or
 * Parquet) becomes an `io_error` / `bad_parquet` result for that file, and a
 * folder read moves on to the next file.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlowBatch } from '@flowguard/contracts';
import { FlowLogParser, emptyCounts, parseParquetFlowLogs, type ParseOptions, type ParseResult } from '@flowguard/flowlog';

export type FlowLogFileKind = 'text' | 'gzip' | 'parquet';

export interface FileParseResult extends ParseResult {
  /** the file path (or `stdin`) */
  source: string;
  /** true on the last result of this source: the file is fully read */
  last: boolean;
}

export interface FileReadOptions extends Omit<ParseOptions, 'source'> {
  /** bytes per read (default 1 MiB) */
  chunkBytes?: number;
  /** told how many raw (still compressed) bytes were read from the source, for progress reporting */
  onRead?: (bytes: number) => void;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** Kind of a flow-log file by name, or null for files a folder read skips. */
export function flowLogFileKind(path: string): FlowLogFileKind | null {
  const p = path.toLowerCase();
  if (p.endsWith('.parquet')) return 'parquet';
  if (p.endsWith('.log.gz') || p.endsWith('.txt.gz')) return 'gzip';
  if (p.endsWith('.log') || p.endsWith('.txt')) return 'text';
  return null;
}

/** Parse one file; its kind comes from the name, and gzip is also recognised by its magic bytes. */
export async function* readFlowLogFile(path: string, options: FileReadOptions = {}): AsyncGenerator<FileParseResult> {
  if (flowLogFileKind(path) === 'parquet') {
    yield* readParquetFile(path, options);
    return;
  }
  if (flowLogFileKind(path) === 'text') {
    yield* readPlainFile(path, options);
    return;
  }
  const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  yield* readFlowLogStream(stream, path, options);
}

/**
 * Uncompressed text: reads into one reused buffer (the parser copies what it
 * keeps), which spares the GC a fresh 1 MiB Buffer per chunk. Content that
 * turns out to be gzip or Parquet goes to the sniffing stream path.
 */
async function* readPlainFile(path: string, options: FileReadOptions): AsyncGenerator<FileParseResult> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    yield ioError(path, e);
    return;
  }
  try {
    const chunk = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
    let first: number;
    try {
      first = (await handle.read(chunk, 0, chunk.length, 0)).bytesRead;
    } catch (e) {
      yield ioError(path, e);
      return;
    }
    if (startsWith(chunk.subarray(0, first), GZIP_MAGIC) || startsWith(chunk.subarray(0, first), PARQUET_MAGIC)) {
      // the stream path reads (and reports) these bytes again
      const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
      yield* readFlowLogStream(stream, path, options);
      return;
    }
    const { chunkBytes: _chunk, onRead, ...parseOptions } = options;
    const parser = new FlowLogParser({ ...parseOptions, source: path });
    // two buffers: the next read runs (on libuv's pool) while this chunk is parsed, so the
    // parsing thread does not sit idle for every read (~10% of an analyze run did)
    let current = chunk;
    let spare = Buffer.allocUnsafe(chunk.length);
    let position = 0;
    let n = first;
    let failure: unknown = null;
    while (n > 0) {
      position += n;
      onRead?.(n);
      const next = handle.read(spare, 0, spare.length, position).then(
        (r) => r.bytesRead,
        (e: unknown) => {
          failure = e;
          return 0;
        },
      );
      for (const r of parser.push(current.subarray(0, n))) yield { ...r, source: path, last: false };
      n = await next;
      [current, spare] = [spare, current];
    }
    const last = parser.end({ truncated: failure !== null });
    yield { ...last, source: path, last: failure === null };
    if (failure !== null) yield ioError(path, failure);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Parse a byte stream (a file, stdin, a pipe): gzip and Parquet are detected
 * by their magic bytes. Parquet needs its footer, so a Parquet stream is
 * buffered whole; text is streamed.
 */
export async function* readFlowLogStream(
  input: AsyncIterable<Uint8Array | string>,
  source: string,
  options: FileReadOptions = {},
): AsyncGenerator<FileParseResult> {
  const iterator = input[Symbol.asyncIterator]();
  let first: Buffer | null = null;
  try {
    // sniff the first bytes: a stream may start with a very short chunk
    const head: Buffer[] = [];
    let got = 0;
    while (got < 4) {
      const next = await iterator.next();
      if (next.done) break;
      const b = toBuffer(next.value);
      head.push(b);
      got += b.length;
    }
    first = Buffer.concat(head);
  } catch (e) {
    yield ioError(source, e);
    return;
  }
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: async function* () {
      if (first && first.length > 0) {
        options.onRead?.(first.length);
        yield first;
      }
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        const b = toBuffer(next.value);
        options.onRead?.(b.length);
        yield b;
      }
    },
  };
  if (startsWith(first, PARQUET_MAGIC)) {
    let bytes: Buffer;
    try {
      const parts: Buffer[] = [];
      for await (const b of rest) parts.push(b);
      bytes = Buffer.concat(parts);
    } catch (e) {
      yield ioError(source, e);
      return;
    }
    yield* tagged(parseParquetFlowLogs(bytes, { source, ...(options.batchSize ? { batchSize: options.batchSize } : {}) }), source);
    return;
  }
  let body: AsyncIterable<Uint8Array | string> = rest;
  if (startsWith(first, GZIP_MAGIC)) {
    // pipeline (not pipe) so a read error of the source also fails the gunzip side we iterate
    const gunzip = createGunzip();
    pipeline(Readable.from(rest), gunzip, () => undefined);
    body = gunzip;
  }
  yield* parseText(body, source, options);
}

async function* parseText(body: AsyncIterable<Uint8Array | string>, source: string, options: FileReadOptions): AsyncGenerator<FileParseResult> {
  const { chunkBytes: _chunk, onRead: _onRead, ...parseOptions } = options;
  const parser = new FlowLogParser({ ...parseOptions, source });
  let failure: unknown = null;
  try {
    for await (const chunk of body) {
      for (const r of parser.push(chunk)) yield { ...r, source, last: false };
    }
  } catch (e) {
    failure = e;
  }
  const last = parser.end({ truncated: failure !== null });
  if (failure === null) {
    yield { ...last, source, last: true };
    return;
  }
  // the rows parsed before the failure are good: keep them, then report the failure
  yield { ...last, source, last: false };
  yield ioError(source, failure);
}

/** Parse every flow-log file under `dir` (recursive, sorted by path; symlinked folders are not followed). */
export async function* readFlowLogFolder(dir: string, options: FileReadOptions = {}): AsyncGenerator<FileParseResult> {
  let entries: Array<{ name: string; dir: boolean; file: boolean; link: boolean }>;
  try {
    entries = (await readdir(dir, { withFileTypes: true }))
      .map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile(), link: e.isSymbolicLink() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (e) {
    yield ioError(dir, e);
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.dir) {
      yield* readFlowLogFolder(path, options);
      continue;
    }
    if (flowLogFileKind(e.name) === null) continue;
    if (e.link) {
      const target = await stat(path).catch(() => null);
      if (!target?.isFile()) continue;
    } else if (!e.file) continue;
    yield* readFlowLogFile(path, options);
  }
}

/** Parse standard input (text, gzip or Parquet, detected by magic bytes). */
export function readFlowLogStdin(options: FileReadOptions = {}, stdin: AsyncIterable<Uint8Array | string> = process.stdin): AsyncGenerator<FileParseResult> {
  return readFlowLogStream(stdin, 'stdin', options);
}

/** A file-backed AsyncBuffer: hyparquet reads the footer and the column chunks it needs, not the whole file. */
async function* readParquetFile(path: string, options: FileReadOptions): AsyncGenerator<FileParseResult> {
  let handle: Awaited<ReturnType<typeof open>>;
  let size: number;
  try {
    handle = await open(path, 'r');
    size = (await handle.stat()).size;
  } catch (e) {
    yield ioError(path, e);
    return;
  }
  try {
    const file = {
      byteLength: size,
      async slice(start: number, end = size): Promise<ArrayBuffer> {
        const len = Math.max(0, Math.min(end, size) - start);
        const buf = new Uint8Array(len);
        let off = 0;
        while (off < len) {
          const { bytesRead } = await handle.read(buf, off, len - off, start + off);
          if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + off}`);
          off += bytesRead;
        }
        options.onRead?.(len);
        return buf.buffer;
      },
    };
    yield* tagged(parseParquetFlowLogs(file, { source: path, ...(options.batchSize ? { batchSize: options.batchSize } : {}) }), path);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Mark the last result of a generator as `last`. */
async function* tagged(results: AsyncIterable<ParseResult>, source: string): AsyncGenerator<FileParseResult> {
  let pending: ParseResult | null = null;
  for await (const r of results) {
    if (pending) yield { ...pending, source, last: false };
    pending = r;
  }
  if (pending) yield { ...pending, source, last: true };
  else yield { batch: new FlowBatch(1), errors: [], counts: emptyCounts(), source, last: true };
}

function ioError(source: string, e: unknown): FileParseResult {
  const counts = emptyCounts();
  counts.errors['io_error'] = 1;
  const message = `cannot read ${source}: ${e instanceof Error ? e.message : String(e)}`;
  return { batch: new FlowBatch(1), errors: [{ line: 0, field: null, reason: 'io_error', message, raw: '', source }], counts, source, last: true };
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function startsWith(buf: Buffer | null, magic: number[]): boolean {
  if (!buf || buf.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[i] !== magic[i]) return false;
  return true;
}
