/**
 * The byte-level core of the text parser. It scans UTF-8 bytes once, parses
 * integers by hand, interns strings through {@link ByteInterner} and writes
 * straight into the typed columns of a {@link FlowBatch}: no split(), no
 * per-record object, no regular expression.
 *
 * Invariant of {@link TextParserCore.feed}: the byte range always ends with a
 * `\n`, so inner loops stop on a delimiter byte without bounds checks.
 */
import { ABSENT, Action, Direction, FlowBatch, LogStatus } from '@flowguard/contracts';
import { CompiledFormat, DEFAULT_FORMAT, compileFields, compileFormat, parseHeaderLine, sameFields } from '../format/flow-log-format';
import { MAX_RAW_CHARS, ParseCounts, ParseError, ParseErrorReason, ParseResult, emptyCounts } from '../parse-result';
import { isUtf8 } from 'node:buffer';
import { ByteInterner, FLAG_IP_OK, FNV_OFFSET, ParsedStringTable, parseIPv4 } from './byte-interner';
import { FieldPlan, IntTarget, Op, buildPlan, fillUnplanned, textColumns } from './field-plan';
import { isIPv6Bytes } from './ip-address.validator';

export interface CoreOptions {
  format?: string;
  source?: string;
  batchSize?: number;
  maxLineBytes?: number;
  /** true: emit a result per full batch; false: grow one batch (parseFlowLogText) */
  streaming: boolean;
}

// error codes inside the hot loop (0 = none)
const E_FIELD_COUNT = 1;
const E_EMPTY = 2;
const E_NUMBER = 3;
const E_RANGE = 4;
const E_ADDR = 5;
const E_ENUM = 6;
const E_ENCODING = 7;
const REASONS: ParseErrorReason[] = ['field_count', 'field_count', 'empty_field', 'bad_number', 'number_range', 'bad_address', 'bad_enum', 'bad_encoding'];

// Hot-loop constants as plain numbers: imported objects (and the contracts
// re-export getters) would cost a property load or a call on every use.
// Values are asserted against their sources at module load below.
const OP_ADDR = 2;
const OP_ACTION = 3;
const OP_LOG_STATUS = 4;
const OP_TEXT_INT = 6;
const A_NONE = 0;
const A_ACCEPT = 1;
const A_REJECT = 2;
const S_OK = 0;
const S_NODATA = 1;
const S_SKIPDATA = 2;
const S_NONE = 3;
const D_NONE = 0;
const D_INGRESS = 1;
const D_EGRESS = 2;
if (
  Op.INT !== 0 || Op.TEXT !== 1 || Op.ADDR !== OP_ADDR || Op.ACTION !== OP_ACTION || Op.LOG_STATUS !== OP_LOG_STATUS || Op.TEXT_INT !== OP_TEXT_INT ||
  IntTarget.VERSION !== 0 || IntTarget.TCP_FLAGS !== 8 || IntTarget.TRAFFIC_PATH !== 9 ||
  Action.NONE !== A_NONE || Action.ACCEPT !== A_ACCEPT || Action.REJECT !== A_REJECT ||
  LogStatus.OK !== S_OK || LogStatus.NODATA !== S_NODATA || LogStatus.SKIPDATA !== S_SKIPDATA || LogStatus.NONE !== S_NONE ||
  Direction.NONE !== D_NONE || Direction.INGRESS !== D_INGRESS || Direction.EGRESS !== D_EGRESS
) {
  throw new Error('flowlog parser constants are out of sync with their definitions');
}

const SP = 32;
const LF = 10;
const CR = 13;

const lit = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ACCEPT = lit('ACCEPT');
const REJECT = lit('REJECT');
const NODATA = lit('NODATA');
const SKIPDATA = lit('SKIPDATA');
const INGRESS = lit('ingress');
const EGRESS = lit('egress');

function eq(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

const planCache = new WeakMap<CompiledFormat, FieldPlan>();
function planFor(format: CompiledFormat): FieldPlan {
  let plan = planCache.get(format);
  if (!plan) planCache.set(format, (plan = buildPlan(format)));
  return plan;
}

export const DEFAULT_BATCH_SIZE = 8192;
/** first capacity of a batch; it grows up to the batch size */
const MIN_CAPACITY = 1024;
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export class TextParserCore {
  readonly source: string | undefined;
  readonly batchSize: number;
  readonly maxLineBytes: number;
  private streaming: boolean;
  /** rows per emitted batch (streaming) */
  private rowLimit: number;
  private readonly configured: CompiledFormat | null;
  private plan: FieldPlan;
  private batch: FlowBatch;
  private interner: ByteInterner;
  private tcols: Array<Uint32Array | null>;
  private segStart = 0;
  private counts: ParseCounts = emptyCounts();
  private errors: ParseError[] = [];
  private lineNo = 0;
  private started = false;
  private readonly results: ParseResult[] = [];

  /** Throws FormatError for a bad configured format: that is a configuration bug, not bad input. */
  constructor(options: CoreOptions) {
    this.source = options.source;
    this.streaming = options.streaming;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.configured = options.format !== undefined ? compileFormat(options.format) : null;
    this.plan = planFor(this.configured ?? compileFormat(DEFAULT_FORMAT));
    this.rowLimit = this.streaming ? this.batchSize : Infinity;
    this.batch = new FlowBatch(Math.min(this.batchSize, MIN_CAPACITY), new ParsedStringTable());
    this.interner = new ByteInterner(this.batch.strings);
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
    let pos = start;
    if (!this.started && pos < end) {
      this.started = true;
      pos = this.firstLine(buf, pos);
    }
    while (pos < end) {
      pos = this.parseLines(buf, pos, end);
      if (this.batch.length >= this.rowLimit || this.errors.length >= this.rowLimit) this.emit(true);
      else if (this.batch.length >= this.batch.capacity) this.grow();
    }
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
    this.streaming = false;
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
    this.interner.materialize();
    const result: ParseResult = { batch: this.batch, errors: this.errors, counts: this.counts };
    if (this.source !== undefined) result.source = this.source;
    this.results.push(result);
    this.errors = [];
    this.counts = emptyCounts();
    if (!next) return;
    // size the next batch like the last one: small payloads stay small, big streams skip regrowth
    this.batch = new FlowBatch(Math.min(this.batchSize, Math.max(MIN_CAPACITY, result.batch.length)), new ParsedStringTable());
    this.interner.reset(this.batch.strings);
    this.tcols = textColumns(this.plan, this.batch);
    this.segStart = 0;
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
    this.tcols = textColumns(plan, b);
  }

  private addError(reason: ParseErrorReason, field: string | null, message: string, raw: string): void {
    const err: ParseError = { line: this.lineNo, field, reason, message, raw: raw.length > MAX_RAW_CHARS ? raw.slice(0, MAX_RAW_CHARS) : raw };
    if (this.source !== undefined) err.source = this.source;
    this.errors.push(err);
    this.counts.errors[reason] = (this.counts.errors[reason] ?? 0) + 1;
  }

  /**
   * Parse lines until the batch is full, the range ends, or the plan changes.
   * One long function on purpose: V8 keeps every column in a register-friendly local.
   */
  private parseLines(buf: Buffer, pos: number, end: number): number {
    const plan = this.plan;
    const n = plan.count;
    const ops = plan.ops;
    const targets = plan.targets;
    const mins = plan.min;
    const maxs = plan.max;
    const tcols = this.tcols;
    const interner = this.interner;
    const b = this.batch;
    const cap = Math.min(b.capacity, this.rowLimit);
    const version = b.version;
    const srcPort = b.srcPort;
    const dstPort = b.dstPort;
    const protocol = b.protocol;
    const packets = b.packets;
    const bytes = b.bytes;
    const start = b.start;
    const endCol = b.end;
    const action = b.action;
    const logStatus = b.logStatus;
    const tcpFlags = b.tcpFlags;
    const direction = b.direction;
    const trafficPath = b.trafficPath;
    const maxLine = this.maxLineBytes;
    const counts = this.counts;
    let row = b.length;
    const firstRow = row;
    const firstLine = this.lineNo;
    let lineNo = firstLine;
    let nodata = 0;
    let skipdata = 0;

    while (pos < end && row < cap) {
      const lineStart = pos;
      lineNo++;
      let err = 0;
      let k = 0;
      let fs = pos;
      let status = -1;
      let c = buf[pos] as number;
      fields: for (; k < n; k++) {
        fs = pos;
        switch (ops[k]) {
          case 0 /* Op.INT */: {
            let v = c - 48;
            if (v < 0 || v > 9) {
              if (c === 45 && isDelim(buf[pos + 1] as number)) {
                c = buf[++pos] as number;
                v = -1; // absent
              } else {
                err = isDelim(c) ? E_EMPTY : E_NUMBER;
                break fields;
              }
            } else {
              pos++;
              for (;;) {
                c = buf[pos] as number;
                const d = c - 48;
                if (d < 0 || d > 9) break;
                v = v * 10 + d;
                pos++;
              }
              if (c !== SP && c !== LF && c !== CR) {
                err = E_NUMBER;
                break fields;
              }
              if (v > (maxs[k] as number) || v < (mins[k] as number)) {
                err = E_RANGE;
                break fields;
              }
            }
            switch (targets[k]) {
              case 0 /* VERSION */: version[row] = v < 0 ? 0 : v; break;
              case 1 /* SRC_PORT */: srcPort[row] = v; break;
              case 2 /* DST_PORT */: dstPort[row] = v; break;
              case 3 /* PROTOCOL */: protocol[row] = v; break;
              case 4 /* PACKETS */: packets[row] = v; break;
              case 5 /* BYTES */: bytes[row] = v; break;
              case 6 /* START */: start[row] = v < 0 ? 0 : v; break;
              case 7 /* END */: endCol[row] = v < 0 ? 0 : v; break;
              case 8 /* TCP_FLAGS */: tcpFlags[row] = v; break;
              default: trafficPath[row] = v;
            }
            break;
          }
          case 2 /* Op.ADDR */:
          case 1 /* Op.TEXT */:
          case 6 /* Op.TEXT_INT */: {
            const col = tcols[k] as Uint32Array;
            if (c === SP || c === LF || c === CR) {
              err = E_EMPTY;
              break fields;
            }
            if (c === 45 && isDelim(buf[pos + 1] as number)) {
              c = buf[++pos] as number;
              col[row] = 0;
              break;
            }
            const op = ops[k];
            if (op === OP_ADDR) {
              // IPv4 fast path: validate and fold into a uint32 in one pass, intern by the integer
              let ip = 0;
              let oct = 0;
              let nd = 0;
              let parts = 0;
              let p = pos;
              let cc = c;
              for (;;) {
                const d = cc - 48;
                if (d >= 0 && d <= 9) {
                  if (nd === 1 && oct === 0) break; // leading zero: not canonical, let the slow path judge
                  oct = oct * 10 + d;
                  nd++;
                } else if (cc === 46 && nd > 0 && nd < 4 && oct < 256 && parts < 3) {
                  ip = (ip << 8) | oct;
                  parts++;
                  oct = 0;
                  nd = 0;
                } else break;
                cc = buf[++p] as number;
              }
              if (parts === 3 && nd > 0 && nd < 4 && oct < 256 && (cc === SP || cc === LF || cc === CR)) {
                ip = (ip << 8) | oct;
                pos = p;
                c = cc;
                col[row] = interner.internV4(ip, buf, fs, pos);
                break;
              }
            }
            let h = FNV_OFFSET;
            let or = 0;
            do {
              h = Math.imul(h ^ c, 16777619);
              or |= c;
              c = buf[++pos] as number;
            } while (c !== SP && c !== LF && c !== CR);
            if (op === OP_TEXT_INT) {
              err = checkInt(buf, fs, pos, mins[k] as number, maxs[k] as number);
              if (err) break fields;
            }
            let id = interner.find(buf, fs, pos, h);
            if (op === OP_ADDR) {
              if (id === 0 || ((interner.flags[id] as number) & FLAG_IP_OK) === 0) {
                // not a canonical IPv4 (those took the fast path): IPv6 or invalid
                if (!isIPv6Bytes(buf, fs, pos)) {
                  err = E_ADDR;
                  break fields;
                }
                if (id === 0) id = interner.add(buf, fs, pos, h, or < 128);
                interner.flags[id] = FLAG_IP_OK;
              }
            } else if (id === 0) {
              if (or >= 128 && !isUtf8(buf.subarray(fs, pos))) {
                err = E_ENCODING;
                break fields;
              }
              // IPv4 text is interned by integer wherever it appears, so one string keeps one id
              const v4 = parseIPv4(buf, fs, pos);
              if (v4 !== undefined) id = interner.internV4(v4, buf, fs, pos);
              else id = interner.add(buf, fs, pos, h, or < 128);
            }
            col[row] = id;
            break;
          }
          default: {
            // enums: scan the token, then compare by length
            while (c !== SP && c !== LF && c !== CR) c = buf[++pos] as number;
            const len = pos - fs;
            let v = -1;
            const op = ops[k];
            if (len === 1 && buf[fs] === 45) v = op === OP_ACTION ? A_NONE : op === OP_LOG_STATUS ? S_NONE : D_NONE;
            else if (op === OP_ACTION) {
              if (len === 6) v = eq(buf, fs, ACCEPT) ? A_ACCEPT : eq(buf, fs, REJECT) ? A_REJECT : -1;
            } else if (op === OP_LOG_STATUS) {
              if (len === 2 && buf[fs] === 79 && buf[fs + 1] === 75) v = S_OK;
              else if (len === 6 && eq(buf, fs, NODATA)) v = S_NODATA;
              else if (len === 8 && eq(buf, fs, SKIPDATA)) v = S_SKIPDATA;
            } else if (len === 7 && eq(buf, fs, INGRESS)) v = D_INGRESS;
            else if (len === 6 && eq(buf, fs, EGRESS)) v = D_EGRESS;
            if (v < 0) {
              err = len === 0 ? E_EMPTY : E_ENUM;
              break fields;
            }
            if (op === OP_ACTION) action[row] = v;
            else if (op === OP_LOG_STATUS) logStatus[row] = status = v;
            else direction[row] = v;
          }
        }
        // delimiter after field k: c is SP, LF or CR here
        if (k < n - 1) {
          if (c !== SP) {
            err = E_FIELD_COUNT;
            break;
          }
          c = buf[++pos] as number;
        }
      }
      if (err === 0) {
        if (c === LF) pos++;
        else {
          // trailing CR / blanks are tolerated; anything else is an extra field
          while (c === SP || c === CR || c === 9) c = buf[++pos] as number;
          if (c === LF) pos++;
          else err = E_FIELD_COUNT;
        }
      }
      if (err === 0 && pos - lineStart <= maxLine + 1) {
        row++;
        if (status === S_NODATA) nodata++;
        else if (status === S_SKIPDATA) skipdata++;
        continue;
      }
      // slow path: a bad line (or a header repeated by concatenated files)
      const nl = buf.indexOf(LF, pos);
      const lineEnd = nl < 0 ? end : nl + 1;
      this.lineNo = lineNo;
      b.length = row; // badLine may switch plans, which fills columns up to the current row
      const switched = this.badLine(buf, lineStart, lineEnd, err, k, fs);
      pos = lineEnd;
      if (switched || (this.streaming && this.errors.length >= this.batchSize)) break;
    }
    counts.lines += lineNo - firstLine;
    counts.records += row - firstRow;
    counts.nodata += nodata;
    counts.skipdata += skipdata;
    b.length = row;
    this.lineNo = lineNo;
    return pos;
  }

  /** Classify a rejected line; returns true when it was a header that changed the plan. */
  private badLine(buf: Buffer, lineStart: number, lineEnd: number, err: number, k: number, fs: number): boolean {
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

/** 0 or an error code for a TEXT_INT value (kept as text, range-checked). */
function checkInt(buf: Uint8Array, s: number, e: number, min: number, max: number): number {
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return E_NUMBER;
    v = v * 10 + d;
  }
  return v < min || v > max ? E_RANGE : 0;
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
      return 'value is not valid UTF-8';
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

export const INT_ABSENT = ABSENT;
