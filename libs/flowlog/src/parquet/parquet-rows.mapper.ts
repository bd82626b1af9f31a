/**
 * Maps decoded Parquet columns (AWS names them with underscores: account_id,
 * log_status, pkt_src_aws_service; INT_32/INT_64/STRING per the field
 * registry) onto a FlowBatch with the same values and the same validation as
 * the text parser, so a record reads identically whichever format AWS wrote.
 */
import { Action, Direction, FlowBatch, LogStatus, StringTable } from '@flowguard/contracts';
import { FieldKind, FieldSpec, fieldNameFromParquetColumn } from '../fields/field-registry';
import { compileFields } from '../format/flow-log-format';
import { MAX_RAW_CHARS, ParseError, ParseErrorReason, ParseResult, emptyCounts } from '../parse-result';
import { buildPlan, fillUnplanned } from '../parser/field-plan';
import { isIPString } from '../parser/ip-address.validator';

export interface MapParquetOptions {
  /** file path or object key for errors */
  source?: string;
  /** first row of `columns` to map (default 0) */
  offset?: number;
  /** rows to map (default: the length of the first column minus offset) */
  count?: number;
  /** 1-based number of row `offset` within the file, for error positions (default offset + 1) */
  firstRowNumber?: number;
}

const utf8 = new TextDecoder('utf-8');

type Conv = { value: number; text: string | null; reason: ParseErrorReason | null; detail: string };
const out: Conv = { value: 0, text: null, reason: null, detail: '' };

function fail(reason: ParseErrorReason, detail: string): Conv {
  out.reason = reason;
  out.detail = detail;
  return out;
}

/** Integer value of a cell for an INT/TEXT_INT field: value in out.value, -1 when absent. */
function toInt(v: unknown, spec: FieldSpec): Conv {
  out.reason = null;
  if (v === null || v === undefined) {
    out.value = -1;
    return out;
  }
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n ? -2 : Number(v);
  else if (typeof v === 'string') {
    if (v === '-') {
      out.value = -1;
      return out;
    }
    if (!/^[0-9]{1,20}$/.test(v)) return fail('bad_number', `${JSON.stringify(v)} is not a non-negative decimal integer`);
    n = Number(v);
  } else return fail('bad_type', `expected an integer, got ${typeof v}`);
  if (!Number.isInteger(n)) return fail('bad_number', `${String(v)} is not an integer`);
  if (n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER) || n === -2) {
    return fail('number_range', `${String(v)} is outside ${spec.min}..${spec.max}`);
  }
  out.value = n;
  return out;
}

/** Text of a cell: out.text, null when absent. */
function toText(v: unknown): Conv {
  out.reason = null;
  if (v === null || v === undefined || v === '-' || v === '') out.text = null;
  else if (typeof v === 'string') out.text = v;
  else if (v instanceof Uint8Array) out.text = v.length === 1 && v[0] === 45 ? null : utf8.decode(v);
  else if (typeof v === 'number' || typeof v === 'bigint') out.text = String(v);
  else return fail('bad_type', `expected a string, got ${typeof v}`);
  return out;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Uint8Array) return utf8.decode(v);
  return String(v);
}

/**
 * Map rows [offset, offset + count) of decoded Parquet columns to a batch.
 * Never throws for bad values: rows with any bad cell are left out and
 * reported, one error per row (its first bad cell).
 */
export function mapParquetRows(columns: Record<string, ArrayLike<unknown>>, options: MapParquetOptions = {}): ParseResult {
  const names = Object.keys(columns);
  const offset = options.offset ?? 0;
  const first = names.length ? (columns[names[0] as string] as ArrayLike<unknown>) : { length: 0 };
  const count = options.count ?? Math.max(0, first.length - offset);
  const firstRow = options.firstRowNumber ?? offset + 1;
  const counts = emptyCounts();
  const errors: ParseError[] = [];
  const strings = new StringTable();
  const batch = new FlowBatch(Math.max(count, 1), strings);
  counts.lines = count;
  if (names.length === 0 || count === 0) return finish(batch, errors, counts, options.source);

  const format = compileFields(names.map(fieldNameFromParquetColumn), 'parquet');
  const bad = new Uint8Array(count);
  const reject = (i: number, field: string, reason: ParseErrorReason, detail: string) => {
    if (bad[i]) return;
    bad[i] = 1;
    const raw = names.map((c) => `${c}=${cellText((columns[c] as ArrayLike<unknown>)[offset + i])}`).join(' ');
    const err: ParseError = { line: firstRow + i, field, reason, message: `${field}: ${detail}`, raw: raw.slice(0, MAX_RAW_CHARS) };
    if (options.source !== undefined) err.source = options.source;
    errors.push(err);
  };

  /** by string id: 1 when the value was validated as an address */
  let addrOk: Uint8Array = new Uint8Array(1024);
  format.fields.forEach((spec, k) => {
    const col = columns[names[k] as string] as ArrayLike<unknown>;
    const name = spec.name;
    switch (spec.kind) {
      case FieldKind.INT: {
        const target = batch.numeric(spec.column as 'srcPort') as unknown as { [i: number]: number };
        const zeroWhenAbsent = spec.column === 'version' || spec.column === 'start' || spec.column === 'end';
        for (let i = 0; i < count; i++) {
          const r = toInt(col[offset + i], spec);
          if (r.reason) reject(i, name, r.reason, r.detail);
          else target[i] = r.value < 0 && zeroWhenAbsent ? 0 : r.value;
        }
        break;
      }
      case FieldKind.ACTION:
      case FieldKind.LOG_STATUS:
      case FieldKind.DIRECTION: {
        for (let i = 0; i < count; i++) {
          const r = toText(col[offset + i]);
          if (r.reason) {
            reject(i, name, r.reason, r.detail);
            continue;
          }
          const v = enumValue(spec.kind, r.text);
          if (v < 0) reject(i, name, 'bad_enum', `${JSON.stringify(r.text)} is not a valid ${name}`);
          else if (spec.kind === FieldKind.ACTION) batch.action[i] = v;
          else if (spec.kind === FieldKind.LOG_STATUS) batch.logStatus[i] = v;
          else batch.direction[i] = v;
        }
        break;
      }
      default: {
        const target = spec.kind === FieldKind.CORE_TEXT || spec.kind === FieldKind.CORE_ADDR ? batch.core(spec.column as 'srcAddr') : batch.textColumn(name);
        const isAddr = spec.kind === FieldKind.CORE_ADDR || spec.kind === FieldKind.TEXT_ADDR;
        for (let i = 0; i < count; i++) {
          const cell = col[offset + i];
          if (spec.kind === FieldKind.TEXT_INT) {
            const r = toInt(cell, spec);
            if (r.reason) reject(i, name, r.reason, r.detail);
            else target[i] = r.value < 0 ? 0 : strings.intern(String(r.value));
            continue;
          }
          const r = toText(cell);
          if (r.reason) reject(i, name, r.reason, r.detail);
          else if (r.text === null) target[i] = 0;
          else if (!isAddr) target[i] = strings.intern(r.text);
          else {
            // an address is validated once per distinct value of the batch (a value first seen
            // in a text field, or refused before, is checked again)
            const id = strings.intern(r.text);
            if ((id < addrOk.length && addrOk[id] === 1) || isIPString(r.text)) {
              if (id >= addrOk.length) addrOk = grow(addrOk, id);
              addrOk[id] = 1;
              target[i] = id;
            } else reject(i, name, 'bad_address', `${JSON.stringify(r.text.slice(0, 80))} is not an IPv4 or IPv6 address`);
          }
        }
      }
    }
  });

  batch.length = count;
  fillUnplanned(buildPlan(format), batch, 0, count);
  let result = batch;
  if (errors.length > 0) {
    const keep = new Uint32Array(count - errors.length);
    let w = 0;
    for (let i = 0; i < count; i++) if (!bad[i]) keep[w++] = i;
    result = batch.select(keep, w);
    for (const e of errors) counts.errors[e.reason] = (counts.errors[e.reason] ?? 0) + 1;
  }
  return finish(result, errors, counts, options.source);
}

function grow(a: Uint8Array, id: number): Uint8Array {
  const next = new Uint8Array(Math.max(a.length * 2, id + 1));
  next.set(a);
  return next;
}

function finish(batch: FlowBatch, errors: ParseError[], counts: ReturnType<typeof emptyCounts>, source?: string): ParseResult {
  counts.records = batch.length;
  for (let i = 0; i < batch.length; i++) {
    const s = batch.logStatus[i];
    if (s === LogStatus.NODATA) counts.nodata++;
    else if (s === LogStatus.SKIPDATA) counts.skipdata++;
  }
  const result: ParseResult = { batch, errors, counts };
  if (source !== undefined) result.source = source;
  return result;
}

function enumValue(kind: number, text: string | null): number {
  if (kind === FieldKind.ACTION) {
    if (text === null) return Action.NONE;
    return text === 'ACCEPT' ? Action.ACCEPT : text === 'REJECT' ? Action.REJECT : -1;
  }
  if (kind === FieldKind.LOG_STATUS) {
    if (text === null) return LogStatus.NONE;
    return text === 'OK' ? LogStatus.OK : text === 'NODATA' ? LogStatus.NODATA : text === 'SKIPDATA' ? LogStatus.SKIPDATA : -1;
  }
  if (text === null) return Direction.NONE;
  return text === 'ingress' ? Direction.INGRESS : text === 'egress' ? Direction.EGRESS : -1;
}
