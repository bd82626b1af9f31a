/**
 * Public text parsers: one-shot {@link parseFlowLogText} and the streaming
 * {@link FlowLogParser}, which accepts chunks that split lines (even UTF-8
 * sequences) anywhere.
 */
import { MAX_RAW_CHARS, ParseResult } from '../parse-result';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE_BYTES, TextParserCore } from './flow-log-text.parser';

export interface ParseOptions {
  /**
   * `${field}` format for input without a header line (CloudWatch Logs,
   * Firehose). Default: the header line when the input starts with one, else
   * {@link DEFAULT_FORMAT}. A header line always wins over this option; when
   * they differ the header line is reported as `header_mismatch`.
   */
  format?: string;
  /** file path or object key, copied into every error and result */
  source?: string;
  /** rows per emitted batch when streaming (default 8192) */
  batchSize?: number;
  /** longer lines are rejected as `line_too_long` (default 64 KiB) */
  maxLineBytes?: number;
}

const LF = 10;

function toBuffer(chunk: string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Parse a whole text (or byte buffer) into one batch. Never throws for bad
 * input: bad lines come back in `errors`. Throws FormatError only when
 * `options.format` itself is invalid.
 */
export function parseFlowLogText(text: string | Uint8Array, options: ParseOptions = {}): ParseResult {
  const buf = toBuffer(text);
  const estimate = Math.max(16, Math.min(1 << 22, Math.ceil(buf.length / 96)));
  const core = new TextParserCore({ ...options, batchSize: options.batchSize ?? estimate, streaming: false });
  feedAll(core, buf);
  // non-streaming mode grows one batch, so there is exactly one result
  return core.finish()[0] as ParseResult;
}

function feedAll(core: TextParserCore, buf: Buffer): void {
  if (buf.length === 0) return;
  if (buf[buf.length - 1] === LF) {
    core.feed(buf, 0, buf.length);
    return;
  }
  const lastNl = buf.lastIndexOf(LF);
  if (lastNl >= 0) core.feed(buf, 0, lastNl + 1);
  // the final line has no newline: copy it with one so the core's scan invariant holds
  const tail = Buffer.allocUnsafe(buf.length - lastNl);
  buf.copy(tail, 0, lastNl + 1);
  tail[tail.length - 1] = LF;
  core.feed(tail, 0, tail.length);
}

/**
 * Streaming parser: `push` chunks as they arrive, collect full batches, call
 * `end` once for the remainder. Lines longer than `maxLineBytes` are dropped
 * without buffering them whole (reported as `line_too_long`).
 */
export class FlowLogParser {
  private readonly core: TextParserCore;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** inside an over-long line: discard until the next newline */
  private dropping = false;
  private ended = false;

  constructor(options: ParseOptions = {}) {
    this.core = new TextParserCore({ ...options, streaming: true });
  }

  get source(): string | undefined {
    return this.core.source;
  }

  push(chunk: string | Uint8Array): ParseResult[] {
    if (this.ended) throw new Error('FlowLogParser.push after end()');
    const buf = toBuffer(chunk);
    let start = 0;
    if (this.dropping || this.carryBytes > 0) {
      const nl = buf.indexOf(LF);
      if (nl < 0) {
        this.hold(buf, 0);
        return this.core.drain();
      }
      if (this.dropping) {
        this.dropping = false;
      } else {
        this.carry.push(buf.subarray(0, nl + 1));
        const line = Buffer.concat(this.carry);
        this.carry = [];
        this.carryBytes = 0;
        this.core.feed(line, 0, line.length);
      }
      start = nl + 1;
    }
    const lastNl = buf.lastIndexOf(LF);
    if (lastNl >= start) {
      this.core.feed(buf, start, lastNl + 1);
      start = lastNl + 1;
    }
    if (start < buf.length) this.hold(buf, start);
    return this.core.drain();
  }

  /**
   * Flush the last (newline-less) line and the partial batch: exactly one
   * result, the remainder. With `truncated` (the input broke off, e.g. a read
   * or gunzip error) the unfinished line is not parsed, since a cut value can
   * look valid, and is reported as an `io_error` instead.
   */
  end(options: { truncated?: boolean } = {}): ParseResult {
    if (this.ended) throw new Error('FlowLogParser.end called twice');
    this.ended = true;
    // grow rather than emit from here on, so everything left fits in one result
    this.core.stopStreaming();
    if (this.carryBytes > 0 && !this.dropping) {
      const line = Buffer.concat([...this.carry, Buffer.from([LF])]);
      if (options.truncated) {
        const raw = line.toString('utf8', 0, Math.min(line.length - 1, MAX_RAW_CHARS * 4));
        this.core.rejectLine('io_error', raw, 'input ended inside this line (read error); the partial line was dropped');
      } else {
        this.core.feed(line, 0, line.length);
      }
    }
    this.carry = [];
    this.carryBytes = 0;
    return this.core.finish()[0] as ParseResult;
  }

  private hold(buf: Buffer, start: number): void {
    if (this.dropping) return;
    const len = buf.length - start;
    if (this.carryBytes + len > this.core.maxLineBytes) {
      const raw = Buffer.concat([...this.carry, buf.subarray(start, start + MAX_RAW_CHARS * 4)]).toString('utf8');
      this.core.rejectLine('line_too_long', raw, `line exceeds the ${this.core.maxLineBytes}-byte limit (dropped without buffering)`);
      this.carry = [];
      this.carryBytes = 0;
      this.dropping = true;
      return;
    }
    // copy: the caller may reuse its chunk buffer
    this.carry.push(Buffer.from(buf.subarray(start)));
    this.carryBytes += len;
  }
}

export { DEFAULT_BATCH_SIZE, DEFAULT_MAX_LINE_BYTES };
