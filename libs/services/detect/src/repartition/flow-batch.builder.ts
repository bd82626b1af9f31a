import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS } from '@flowguard/contracts';

/**
 * Concatenates rows of FlowBatches into one with its own, compact string table.
 *
 * `FlowBatch.select` shares the source's string table, so a sub-batch of a
 * repartitioned 4,096-row message would carry every address of the message
 * on the wire (once per bucket). The builder re-interns only the strings its
 * rows use, and merges the sub-batches of several messages into one, so the
 * repartition topics carry about the bytes of the rows themselves.
 */
export class FlowBatchBuilder {
  private out: FlowBatch | null = null;

  /** @param sizeHint rows to allocate for at the first append (grows by doubling after) */
  constructor(private readonly sizeHint = 0) {}

  get length(): number {
    return this.out?.length ?? 0;
  }

  /** Append every row of `src`, in order. */
  append(src: FlowBatch): void {
    this.appendRows(src, null, src.length);
  }

  /** Append rows `rows[0..n)` of `src` (row indices, any order; null = the first n rows). */
  appendRows(src: FlowBatch, rows: ArrayLike<number> | null, n = rows ? rows.length : src.length): void {
    if (n === 0) return;
    const out = (this.out ??= new FlowBatch(Math.max(n, this.sizeHint, 1)));
    out.reserve(n);
    const at = out.length;
    for (const name of NUMERIC_COLUMNS) copyColumn(src.numeric(name), out.numeric(name), rows, n, at);
    // one translation table per appended batch: source string id → our id (0 = not yet interned; 0 is also "absent")
    const map = new Uint32Array(src.strings.size);
    for (const name of CORE_TEXT_COLUMNS) translate(src, out, map, src.core(name), out.core(name), rows, n, at);
    for (const [field, col] of src.text) translate(src, out, map, col, out.textColumn(field), rows, n, at);
    out.length = at + n;
  }

  /** The batch built so far (an empty batch when nothing was appended); the builder starts over. */
  take(): FlowBatch {
    const b = this.out ?? new FlowBatch(1);
    this.out = null;
    return b;
  }
}

function translate(
  src: FlowBatch, out: FlowBatch, map: Uint32Array, from: Uint32Array, to: Uint32Array, rows: ArrayLike<number> | null, n: number, at: number,
): void {
  for (let i = 0; i < n; i++) {
    const sid = from[rows === null ? i : (rows[i] as number)] as number;
    let id = map[sid] as number;
    if (id === 0 && sid !== 0) {
      id = out.strings.intern(src.strings.get(sid));
      map[sid] = id;
    }
    to[at + i] = id;
  }
}

type Column = Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array | Float64Array;

/*
 * One monomorphic loop per typed-array type (a shared loop over every column
 * kind goes megamorphic in V8 and runs several times slower; see FlowBatch.select).
 */
function copyColumn(s: Column, d: Column, rows: ArrayLike<number> | null, n: number, at: number): void {
  if (!rows) {
    (d as Uint8Array).set((s as Uint8Array).subarray(0, n), at);
    return;
  }
  if (s instanceof Uint32Array) gatherU32(s, d as Uint32Array, rows, n, at);
  else if (s instanceof Float64Array) gatherF64(s, d as Float64Array, rows, n, at);
  else if (s instanceof Int32Array) gatherI32(s, d as Int32Array, rows, n, at);
  else if (s instanceof Int16Array) gatherI16(s, d as Int16Array, rows, n, at);
  else if (s instanceof Uint8Array) gatherU8(s, d as Uint8Array, rows, n, at);
  else gatherI8(s as Int8Array, d as Int8Array, rows, n, at);
}
function gatherU8(s: Uint8Array, d: Uint8Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
function gatherI8(s: Int8Array, d: Int8Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
function gatherI16(s: Int16Array, d: Int16Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
function gatherI32(s: Int32Array, d: Int32Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
function gatherU32(s: Uint32Array, d: Uint32Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
function gatherF64(s: Float64Array, d: Float64Array, k: ArrayLike<number>, n: number, at: number) { for (let i = 0; i < n; i++) d[at + i] = s[k[i] as number] as number; }
