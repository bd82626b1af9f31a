/**
 * The byte-level core of the text parser: batches, header lines, format
 * switches and error reporting. Lines are parsed in two tiers (ADR 0030):
 * the WebAssembly fast path (wasm/line-scanner.ts) takes every line it is sure
 * of and stops at the first it is not; the line parser generated for the
 * current format (line-parser.codegen.ts) takes that line, and is the one
 * place that decides what is wrong with a line. Both scan UTF-8 bytes once,
 * parse integers by hand and intern strings in the module's per-batch tables:
 * no split(), no per-record object, no regular expression.
 *
 * Invariant of {@link TextParserCore.feed}: the byte range always ends with a
 * `\n`, so inner loops stop on a delimiter byte without bounds checks.
 */
import { FlowBatch } from '@flowguard/contracts';
import { CompiledFormat, DEFAULT_FORMAT, compileFields, compileFormat, parseHeaderLine, sameFields } from '../format/flow-log-format';
import { MAX_RAW_CHARS, ParseCounts, ParseError, ParseErrorReason, ParseResult, emptyCounts } from '../parse-result';
import { ParsedStringTable } from './parsed-string-table';
import { LineScanner, SCAN_SLOW_LINE } from './wasm/line-scanner';
import { FieldPlan, Op, buildPlan, fillUnplanned, textColumns } from './field-plan';
import { E_EMPTY, E_FIELD_COUNT, LineParser, LineParserHost, compileLineParser } from './line-parser.codegen';

export interface CoreOptions {
  format?: string;
  source?: string;
  batchSize?: number;
  maxLineBytes?: number;
  /** true: emit a result per full batch; false: grow one batch (parseFlowLogText) */
  streaming: boolean;
  /**
   * false: every line through the TypeScript line parser (no WebAssembly fast path). For the
   * differential tests and the A/B benchmark; the output is the same either way.
   */
  fastPath?: boolean;
}

/** reason by error code of the generated line parser */
const REASONS: ParseErrorReason[] = ['field_count', 'field_count', 'empty_field', 'bad_number', 'number_range', 'bad_address', 'bad_enum', 'bad_encoding'];

const SP = 32;
const LF = 10;
const CR = 13;

/**
 * Plans (and so generated line parsers) by canonical format text. Keyed by the
 * text, not the CompiledFormat object: every S3 object's header line compiles
 * to a new CompiledFormat, and a per-object plan meant a new generated
 * function per file, JIT-compiled from cold each time (about a second of
 * interpreted parsing per file on the 30-field format). Formats are few; the
 * bound only guards against a stream of distinct junk headers.
 */
const planCache = new Map<string, FieldPlan>();
const PLAN_CACHE_MAX = 64;
function planFor(format: CompiledFormat): FieldPlan {
  let plan = planCache.get(format.format);
  if (!plan) {
    if (planCache.size >= PLAN_CACHE_MAX) planCache.clear();
    planCache.set(format.format, (plan = buildPlan(format)));
  }
  return plan;
}

export const DEFAULT_BATCH_SIZE = 8192;
/** first capacity of a batch; it grows up to the batch size */
const MIN_CAPACITY = 1024;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
/** bytes handed to the WebAssembly module per call (a few MiB: input chunks are 1 MiB) */
const SCAN_SLICE = 4 << 20;

export class TextParserCore implements LineParserHost {
  readonly source: string | undefined;
  readonly batchSize: number;
  readonly maxLineBytes: number;
  // The fields below are the generated line parser's view of this object
  // (LineParserHost); nothing outside this folder touches them.
  /** rows per emitted batch (streaming), Infinity when growing one batch */
  rowLimit: number;
  batch: FlowBatch;
  interner: LineScanner;
  tcols: Array<Uint32Array | null>;
  counts: ParseCounts = emptyCounts();
  errors: ParseError[] = [];
  lineNo = 0;
  memoIp = new Int32Array(0);
  memo4 = new Int32Array(0);
  private readonly configured: CompiledFormat | null;
  private plan: FieldPlan;
  private lineParser: LineParser;
  private segStart = 0;
  private started = false;
  private readonly results: ParseResult[] = [];
  private readonly fastPath: boolean;
  /** the scanner went back to the pool (finish); the core is done */
  private released = false;

  /** Throws FormatError for a bad configured format: that is a configuration bug, not bad input. */
  constructor(options: CoreOptions) {
    this.source = options.source;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.configured = options.format !== undefined ? compileFormat(options.format) : null;
    this.plan = planFor(this.configured ?? compileFormat(DEFAULT_FORMAT));
    this.lineParser = compileLineParser(this.plan);
    this.resetMemo();
    this.rowLimit = options.streaming ? this.batchSize : Infinity;
    const table = new ParsedStringTable();
    this.batch = new FlowBatch(Math.min(this.batchSize, MIN_CAPACITY), table);
    this.fastPath = options.fastPath ?? true;
    this.interner = LineScanner.acquire();
    this.interner.usePlan(this.plan);
    this.tcols = textColumns(this.plan, this.batch);
  }

  get format(): CompiledFormat {
    return this.plan.format;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  /** Parse complete lines in [start, end); `buf[end - 1]` must be `\n`. */
  feed(buf: Buffer, start: number, end: number): void {
    if (this.released) throw new Error('TextParserCore.feed after finish()');
    let pos = start;
    if (!this.started && pos < end) {
      this.started = true;
      pos = this.firstLine(buf, pos);
    }
    if (this.fastPath) {
      // the module gets at most SCAN_SLICE bytes at a time (cut after a newline), so one big
      // text (parseFlowLogText of a whole file) does not grow its memory to the text's size
      while (end - pos > SCAN_SLICE) {
        const nl = buf.lastIndexOf(LF, pos + SCAN_SLICE - 1);
        const cut = nl >= pos ? nl + 1 : buf.indexOf(LF, pos + SCAN_SLICE) + 1;
        this.scan(buf, pos, cut);
        pos = cut;
      }
      if (pos < end) this.scan(buf, pos, end);
      return;
    }
    while (pos < end) {
      pos = this.lineParser(this, buf, pos, end);
      this.afterLines();
    }
  }

  /** The two tiers: the module parses until a line it does not take, the generated parser takes that one line. */
  private scan(buf: Buffer, from: number, end: number): void {
    const scanner = this.interner;
    scanner.load(buf, from, end);
    const maxLine = this.maxLineBytes + 1;
    let pos = from;
    while (pos < end) {
      const b = this.batch;
      const room = Math.min(b.capacity, this.rowLimit) - b.length;
      if (room > 0) {
        pos = from + scanner.parse(pos - from, end - from, room, maxLine);
        const rows = scanner.rows;
        if (rows > 0) {
          scanner.flush(b, this.tcols, b.length);
          b.length += rows;
          this.counts.records += rows;
          this.counts.nodata += scanner.nodata;
          this.counts.skipdata += scanner.skipdata;
        }
        const lines = scanner.lines;
        this.lineNo += lines;
        this.counts.lines += lines;
        if (scanner.status === SCAN_SLOW_LINE) {
          const nl = buf.indexOf(LF, pos);
          pos = this.lineParser(this, buf, pos, nl < 0 ? end : nl + 1);
        }
      }
      this.afterLines();
    }
  }

  private afterLines(): void {
    if (this.batch.length >= this.rowLimit || this.errors.length >= this.rowLimit) this.emit(true);
    else if (this.batch.length >= this.batch.capacity) this.grow();
  }

  /** Record a line the caller rejected before parsing (over-long stream lines). */
  rejectLine(reason: ParseErrorReason, raw: string, message: string): void {
    this.lineNo++;
    this.counts.lines++;
    this.started = true;
    this.addError(reason, null, message, raw);
    if (this.errors.length >= this.rowLimit) this.emit(true);
  }

  /** From now on grow the current batch instead of emitting full ones. */
  stopStreaming(): void {
    this.rowLimit = Infinity;
  }

  /** Results completed so far (streaming). */
  drain(): ParseResult[] {
    return this.results.splice(0, this.results.length);
  }

  /** Close the current batch and return every pending result. */
  finish(): ParseResult[] {
    this.emit(false);
    return this.drain();
  }

  /** Hand out the current batch; `next`: start another one (false once the input has ended). */
  private emit(next: boolean): void {
    fillUnplanned(this.plan, this.batch, this.segStart, this.batch.length);
    // the batch's table takes the value bytes; its strings are created when first read
    this.interner.handOver(this.batch.strings as ParsedStringTable);
    if (!next) {
      this.interner.release();
      this.released = true;
    }
    const result: ParseResult = { batch: this.batch, errors: this.errors, counts: this.counts };
    if (this.source !== undefined) result.source = this.source;
    this.results.push(result);
    this.errors = [];
    this.counts = emptyCounts();
    if (!next) return;
    // size the next batch like the last one: small payloads stay small, big streams skip regrowth
    this.batch = new FlowBatch(Math.min(this.batchSize, Math.max(MIN_CAPACITY, result.batch.length)), new ParsedStringTable());
    this.tcols = textColumns(this.plan, this.batch);
    this.segStart = 0;
    this.resetMemo(); // string ids are per batch
  }

  private resetMemo(): void {
    const n = this.plan.count;
    if (this.memo4.length !== n) {
      this.memoIp = new Int32Array(n);
      this.memo4 = new Int32Array(n);
    } else {
      this.memo4.fill(0);
    }
  }

  private grow(): void {
    this.batch.reserve(this.batch.capacity);
    this.tcols = textColumns(this.plan, this.batch);
  }

  private firstLine(buf: Buffer, pos: number): number {
    if (buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) pos += 3; // UTF-8 BOM
    const c = buf[pos] as number;
    if (c < 97 || c > 122) return pos; // header lines start with a lowercase field name
    const nl = buf.indexOf(LF, pos);
    if (nl < 0 || nl - pos > 4096) return pos;
    const line = buf.toString('utf8', pos, nl);
    const names = parseHeaderLine(line);
    if (!names) return pos;
    this.lineNo++;
    this.counts.lines++;
    this.useHeader(names, line, true);
    return nl + 1;
  }

  private useHeader(names: string[], line: string, first: boolean): void {
    const header = compileFields(names, 'header');
    if (first && this.configured && !sameFields(header, this.configured)) {
      this.addError(
        'header_mismatch',
        null,
        `header line has ${header.names.length} fields (${header.names.join(' ')}) but the configured format has ` +
          `${this.configured.names.length} (${this.configured.names.join(' ')}); parsing with the header`,
        line,
      );
    } else {
      this.counts.headers++;
    }
    if (!sameFields(header, this.plan.format)) this.switchPlan(planFor(header));
  }

  private switchPlan(plan: FieldPlan): void {
    const b = this.batch;
    fillUnplanned(this.plan, b, this.segStart, b.length);
    // a failed line may have left values at the next row in columns the new plan never writes
    if (b.length < b.capacity) for (const col of b.text.values()) col[b.length] = 0;
    this.segStart = b.length;
    this.plan = plan;
    this.lineParser = compileLineParser(plan);
    this.interner.usePlan(plan);
    this.resetMemo();
    this.tcols = textColumns(plan, b);
  }

  private addError(reason: ParseErrorReason, field: string | null, message: string, raw: string): void {
    const err: ParseError = { line: this.lineNo, field, reason, message, raw: raw.length > MAX_RAW_CHARS ? raw.slice(0, MAX_RAW_CHARS) : raw };
    if (this.source !== undefined) err.source = this.source;
    this.errors.push(err);
    this.counts.errors[reason] = (this.counts.errors[reason] ?? 0) + 1;
  }

  /** Classify a rejected line; returns true when it was a header that changed the plan. */
  badLine(buf: Buffer, lineStart: number, lineEnd: number, err: number, k: number, fs: number): boolean {
    let contentEnd = lineEnd;
    while (contentEnd > lineStart && isSpace(buf[contentEnd - 1] as number)) contentEnd--;
    const len = contentEnd - lineStart;
    const rawEnd = Math.min(contentEnd, lineStart + MAX_RAW_CHARS * 4);
    const raw = buf.toString('utf8', lineStart, rawEnd);
    if (len === 0) {
      this.addError('empty_line', null, 'empty line', '');
      return false;
    }
    if (len > this.maxLineBytes || err === 0) {
      this.addError('line_too_long', null, `line is ${len} bytes, over the ${this.maxLineBytes}-byte limit`, raw);
      return false;
    }
    const c0 = buf[lineStart] as number;
    if (c0 >= 97 && c0 <= 122 && len <= 4096) {
      const line = buf.toString('utf8', lineStart, contentEnd);
      const names = parseHeaderLine(line);
      if (names) {
        const before = this.plan;
        this.useHeader(names, line, false);
        return before !== this.plan;
      }
    }
    const fields = this.plan.format.names;
    const got = countFields(buf.subarray(lineStart, contentEnd));
    // a wrong field count explains the line better than the first field it broke
    if (err === 0 || err === E_FIELD_COUNT || (err !== E_EMPTY && got !== fields.length)) {
      this.addError('field_count', null, `expected ${fields.length} fields (${describeFormat(this.plan.format)}), got ${got}`, raw);
      return false;
    }
    const field = fields[k] ?? null;
    let te = fs;
    while (te < contentEnd && !isDelim(buf[te] as number)) te++;
    const token = buf.toString('utf8', fs, Math.min(te, fs + 80));
    const reason = REASONS[err] as ParseErrorReason;
    this.addError(reason, field, `${field}: ${describe(reason, token, k, this.plan)}`, raw);
    return false;
  }

}

function isDelim(c: number): boolean {
  return c === SP || c === LF || c === CR;
}

function isSpace(c: number): boolean {
  return c === SP || c === LF || c === CR || c === 9;
}

function countFields(line: Uint8Array): number {
  let n = 0;
  let inTok = false;
  for (let i = 0; i < line.length; i++) {
    const sp = isSpace(line[i] as number);
    if (!sp && !inTok) n++;
    inTok = !sp;
  }
  return n;
}

function describeFormat(f: CompiledFormat): string {
  return f.names.length <= 6 ? f.names.join(' ') : `${f.names.slice(0, 3).join(' ')} ... ${f.names.slice(-2).join(' ')}`;
}

function describe(reason: ParseErrorReason, token: string, k: number, plan: FieldPlan): string {
  const shown = JSON.stringify(token);
  switch (reason) {
    case 'empty_field':
      return 'empty value (two consecutive spaces?); absent values are written as -';
    case 'bad_number':
      return `${shown} is not a non-negative decimal integer`;
    case 'number_range':
      return `${shown} is outside ${plan.min[k]}..${plan.max[k]}`;
    case 'bad_address':
      return `${shown} is not an IPv4 or IPv6 address`;
    case 'bad_encoding':
      return 'value is not valid UTF-8 text (or holds a NUL byte)';
    case 'bad_enum':
      return `${shown} is not one of ${enumValues(plan.ops[k] as number)}`;
    default:
      return shown;
  }
}

function enumValues(op: number): string {
  if (op === Op.ACTION) return 'ACCEPT, REJECT, -';
  if (op === Op.LOG_STATUS) return 'OK, NODATA, SKIPDATA, -';
  return 'ingress, egress, -';
}

