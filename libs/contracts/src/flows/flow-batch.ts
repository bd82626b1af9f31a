/**
 * The hot-path representation of flow records: a columnar batch.
 *
 * One FlowBatch holds thousands of records as typed-array columns plus one
 * string table shared by every text column, so the parser, the filters and the
 * detectors never allocate an object per record. Row `i` is element `i` of every
 * column. Absent values (`-` in the text format) are encoded per column as
 * documented below, never as `undefined`.
 */

/** `action` column values. */
export const Action = { NONE: 0, ACCEPT: 1, REJECT: 2 } as const;
/** `log-status` column values. NODATA/SKIPDATA rows are telemetry, not flows. */
export const LogStatus = { OK: 0, NODATA: 1, SKIPDATA: 2, NONE: 3 } as const;
/** `flow-direction` column values. */
export const Direction = { NONE: 0, INGRESS: 1, EGRESS: 2 } as const;

/** Annotation bits set by ingest (filters and enrichment) on each row. */
export const Mark = {
  /** enrichment ran and succeeded for this row */
  ENRICHED: 1 << 0,
  /** enrichment was attempted but a source was unavailable */
  ENRICH_DEGRADED: 1 << 1,
  SRC_TOR_EXIT: 1 << 2,
  DST_TOR_EXIT: 1 << 3,
  SRC_TOR_RELAY: 1 << 4,
  DST_TOR_RELAY: 1 << 5,
  SRC_MINING_POOL: 1 << 6,
  DST_MINING_POOL: 1 << 7,
  SRC_THREAT_LIST: 1 << 8,
  DST_THREAT_LIST: 1 << 9,
  SRC_AWS_SERVICE: 1 << 10,
  DST_AWS_SERVICE: 1 << 11,
  /** row is a known periodic health check (kept for detectors that want it) */
  HEALTH_CHECK: 1 << 12,
  /** row was kept for storage by benign sampling */
  SAMPLED: 1 << 13,
} as const;

/** Sentinel for absent integers in Int32/Int16/Int8 columns. */
export const ABSENT = -1;

/** Numeric columns every batch carries, in wire order. Never reorder: append only. */
export const NUMERIC_COLUMNS = [
  'version', 'srcPort', 'dstPort', 'protocol', 'packets', 'bytes', 'start', 'end',
  'action', 'logStatus', 'tcpFlags', 'direction', 'trafficPath', 'marks',
] as const;
export type NumericColumn = (typeof NUMERIC_COLUMNS)[number];

/** Text (string-table) columns every batch carries, in wire order. Append only. */
export const CORE_TEXT_COLUMNS = ['srcAddr', 'dstAddr', 'accountId', 'interfaceId'] as const;
export type CoreTextColumn = (typeof CORE_TEXT_COLUMNS)[number];

type NumericArrays = {
  version: Uint8Array;
  /** -1 when absent */
  srcPort: Int32Array;
  /** -1 when absent */
  dstPort: Int32Array;
  /** IANA number, -1 when absent */
  protocol: Int16Array;
  /** -1 when absent */
  packets: Float64Array;
  /** -1 when absent */
  bytes: Float64Array;
  /** Unix seconds, 0 when absent */
  start: Uint32Array;
  /** Unix seconds, 0 when absent */
  end: Uint32Array;
  /** {@link Action} */
  action: Uint8Array;
  /** {@link LogStatus} */
  logStatus: Uint8Array;
  /** OR-ed bitmask FIN=1 SYN=2 RST=4 SYN-ACK=18, -1 when absent */
  tcpFlags: Int16Array;
  /** {@link Direction} */
  direction: Uint8Array;
  /** 1..8, -1 when absent */
  trafficPath: Int8Array;
  /** {@link Mark} bits */
  marks: Uint32Array;
};

const CTORS: { [K in NumericColumn]: new (n: number) => NumericArrays[K] } = {
  version: Uint8Array,
  srcPort: Int32Array,
  dstPort: Int32Array,
  protocol: Int16Array,
  packets: Float64Array,
  bytes: Float64Array,
  start: Uint32Array,
  end: Uint32Array,
  action: Uint8Array,
  logStatus: Uint8Array,
  tcpFlags: Int16Array,
  direction: Uint8Array,
  trafficPath: Int8Array,
  marks: Uint32Array,
};

export function numericColumnCtor<K extends NumericColumn>(name: K): new (n: number) => NumericArrays[K] {
  return CTORS[name];
}

import { ipv4OfBytes, ipv4OfText } from '@flowguard/util';

const utf8 = new TextEncoder();

/**
 * A growable string table. Index 0 is reserved for "absent" (`-`).
 * Strings are interned so equal values share one index within a batch.
 *
 * Subclasses may hold their values as UTF-8 bytes and create the JS strings
 * only when someone reads them (the flow-log parser's table does): every
 * reader goes through {@link values}, {@link get} or {@link size}, which such
 * a subclass overrides, and the binary codec asks for {@link joinedUtf8}.
 */
export class StringTable {
  /** the values by id; a lazy subclass fills it on first read */
  protected readonly list: string[] = [''];
  private readonly index = new Map<string, number>();

  /** Every value by id (index 0 is `''`). Read it, never push to it: add values with {@link intern}. */
  get values(): string[] {
    return this.list;
  }

  intern(value: string): number {
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(value);
      this.index.set(value, id);
    }
    return id;
  }

  get(id: number): string {
    return this.list[id] ?? '';
  }

  get size(): number {
    return this.list.length;
  }

  /**
   * UTF-8 of values[1..] joined by NUL: the string section of the binary
   * codec (flow-batch.codec.ts). A table that already holds its values as
   * UTF-8 returns those bytes without creating a string per value.
   */
  joinedUtf8(): Uint8Array {
    return utf8.encode(this.list.slice(1).join('\u0000'));
  }

  private v4: Float64Array | undefined;
  private v4Count = 0;

  /**
   * By id: the value as an IPv4 uint32 when it is dotted-quad IPv4 text (no
   * leading zeros: see ipv4-text.ts in @flowguard/util), else -1; id 0 (absent) is -1. Read it,
   * never write to it. Lets the ingest stages (threat-intel marks, tier-1
   * filter, enrichment) test addresses by number without reading strings.
   *
   * Computed once per table and extended for values interned later. While a
   * lazy subclass has not created its strings, it is computed from
   * {@link joinedUtf8} (its bytes as they are), so asking for it creates no
   * string; otherwise from the strings. Same values either way, so a parsed
   * table and its codec round trip give the same view.
   */
  ipv4Values(): Float64Array {
    const size = this.size;
    if (this.v4 !== undefined && this.v4Count === size) return this.v4;
    const out = new Float64Array(size);
    let from = 1;
    if (this.v4 !== undefined) {
      out.set(this.v4.subarray(0, this.v4Count));
      from = this.v4Count;
    } else {
      from = this.ipv4Known(out);
    }
    out[0] = -1;
    for (let id = from; id < size; id++) out[id] = ipv4OfText(this.get(id));
    this.v4 = out;
    this.v4Count = size;
    return out;
  }

  /**
   * Fill `out[1..]` (`out.length` is {@link size}) with what this table knows
   * without creating strings; returns the first id not filled (the rest are
   * read from the strings). A table that already knows its IPv4 values (the
   * parser folds them into integers while validating) can override this and
   * skip the scan of its bytes.
   */
  protected ipv4Known(out: Float64Array): number {
    return this.list.length < out.length ? ipv4FromJoined(this.joinedUtf8(), out) : 1;
  }

  static from(values: string[]): StringTable {
    const t = new StringTable();
    for (let i = 1; i < values.length; i++) t.intern(values[i] as string);
    return t;
  }
}

/**
 * Fill `out[1..]` from the codec's string section (values[1..] joined by NUL);
 * returns the first id not filled: 1 when the bytes do not hold exactly
 * `out.length - 1` values (the caller then reads the strings).
 */
function ipv4FromJoined(bytes: Uint8Array, out: Float64Array): number {
  const want = out.length - 1;
  if (want === 0) return 1;
  let id = 1;
  let start = 0;
  for (;;) {
    if (id > want) return 1;
    let end = bytes.indexOf(0, start);
    if (end < 0) end = bytes.length;
    out[id++] = ipv4OfBytes(bytes, start, end);
    if (end === bytes.length) break;
    start = end + 1;
  }
  return id === want + 1 ? id : 1;
}

export class FlowBatch implements NumericArrays {
  length = 0;
  readonly strings: StringTable;

  version!: Uint8Array;
  srcPort!: Int32Array;
  dstPort!: Int32Array;
  protocol!: Int16Array;
  packets!: Float64Array;
  bytes!: Float64Array;
  start!: Uint32Array;
  end!: Uint32Array;
  action!: Uint8Array;
  logStatus!: Uint8Array;
  tcpFlags!: Int16Array;
  direction!: Uint8Array;
  trafficPath!: Int8Array;
  marks!: Uint32Array;

  /** string-table ids; 0 = absent */
  srcAddr: Uint32Array;
  dstAddr: Uint32Array;
  accountId: Uint32Array;
  interfaceId: Uint32Array;

  /**
   * Every other text field (vpc-id, pkt-srcaddr, ecs-*, region, tags, and field
   * names this version does not know), keyed by the canonical hyphenated flow-log
   * field name, created on first use. Values are string-table ids; 0 = absent.
   */
  readonly text = new Map<string, Uint32Array>();

  constructor(public capacity = 4096, strings?: StringTable) {
    this.strings = strings ?? new StringTable();
    for (const name of NUMERIC_COLUMNS) {
      (this as unknown as Record<string, unknown>)[name] = new CTORS[name](capacity);
    }
    this.srcAddr = new Uint32Array(capacity);
    this.dstAddr = new Uint32Array(capacity);
    this.accountId = new Uint32Array(capacity);
    this.interfaceId = new Uint32Array(capacity);
  }

  /** The column for an extra text field, created (all absent) on first use. */
  textColumn(field: string): Uint32Array {
    let col = this.text.get(field);
    if (!col) {
      col = new Uint32Array(this.capacity);
      this.text.set(field, col);
    }
    return col;
  }

  /** Value of an extra text field at a row, or '' when absent. */
  textValue(field: string, row: number): string {
    const col = this.text.get(field);
    return col ? this.strings.get(col[row] as number) : '';
  }

  src(row: number): string {
    return this.strings.get(this.srcAddr[row] as number);
  }

  dst(row: number): string {
    return this.strings.get(this.dstAddr[row] as number);
  }

  /** Ensure room for `extra` more rows, doubling capacity as needed. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.capacity) return;
    let cap = Math.max(this.capacity * 2, 16);
    while (cap < need) cap *= 2;
    const self = this as unknown as Record<string, Uint32Array>;
    const grow = (old: ArrayLike<number>, ctor: new (n: number) => Uint32Array): Uint32Array => {
      const next = new ctor(cap);
      next.set(old);
      return next;
    };
    for (const name of NUMERIC_COLUMNS) self[name] = grow(self[name] as ArrayLike<number>, CTORS[name] as never);
    for (const name of CORE_TEXT_COLUMNS) self[name] = grow(self[name] as ArrayLike<number>, Uint32Array);
    for (const [k, v] of this.text) this.text.set(k, grow(v, Uint32Array));
    this.capacity = cap;
  }

  /** Column accessors by name, for generic code (codec, storage). */
  numeric<K extends NumericColumn>(name: K): NumericArrays[K] {
    return (this as unknown as NumericArrays)[name];
  }

  core(name: CoreTextColumn): Uint32Array {
    return this[name];
  }

  /**
   * Copy the rows selected by `keep` (row indices, ascending) into a new batch
   * that shares only the (append-only) string table with this one. Used by
   * filters that drop rows and by repartitioning.
   */
  select(keep: ArrayLike<number>, count = keep.length): FlowBatch {
    const out = new FlowBatch(Math.max(count, 1), this.strings);
    for (const name of NUMERIC_COLUMNS) gatherColumn(this.numeric(name), out.numeric(name), keep, count);
    for (const name of CORE_TEXT_COLUMNS) gatherU32(this[name], out[name], keep, count);
    for (const [field, src] of this.text) gatherU32(src, out.textColumn(field), keep, count);
    out.length = count;
    return out;
  }
}

/*
 * Row gathers, one monomorphic loop per typed-array type: a single loop over all
 * column kinds goes megamorphic in V8 and runs several times slower (measured in
 * bench/ingest: ~0.8 M vs ~9.6 M rows/s).
 */
type Column = Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array | Float64Array;
function gatherU8(s: Uint8Array, d: Uint8Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
function gatherI8(s: Int8Array, d: Int8Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
function gatherI16(s: Int16Array, d: Int16Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
function gatherI32(s: Int32Array, d: Int32Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
function gatherU32(s: Uint32Array, d: Uint32Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
function gatherF64(s: Float64Array, d: Float64Array, k: ArrayLike<number>, n: number) { for (let i = 0; i < n; i++) d[i] = s[k[i] as number] as number; }
/** `d[i] = s[k[i]]` for i < n: one monomorphic loop per column type (FlowBatch.select, analyze's lanes). */
export function gatherColumn(s: Column, d: Column, k: ArrayLike<number>, n: number): void {
  if (s instanceof Uint32Array) gatherU32(s, d as Uint32Array, k, n);
  else if (s instanceof Float64Array) gatherF64(s, d as Float64Array, k, n);
  else if (s instanceof Int32Array) gatherI32(s, d as Int32Array, k, n);
  else if (s instanceof Int16Array) gatherI16(s, d as Int16Array, k, n);
  else if (s instanceof Uint8Array) gatherU8(s, d as Uint8Array, k, n);
  else gatherI8(s as Int8Array, d as Int8Array, k, n);
}
