import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS } from '@flowguard/contracts';

/**
 * Concatenates whole FlowBatches into one with its own, compact string table.
 *
 * `FlowBatch.select` shares the source's string table, so a sub-batch of a
 * repartitioned 4,096-row message would carry every address of the message
 * on the wire (once per bucket). The builder re-interns only the strings its
 * rows use, and merges the sub-batches of several messages into one, so the
 * repartition topics carry about the bytes of the rows themselves.
 */
export class FlowBatchBuilder {
  private out: FlowBatch;

  constructor(private readonly initialCapacity = 1024) {
    this.out = new FlowBatch(initialCapacity);
  }

  get length(): number {
    return this.out.length;
  }

  /** Append every row of `src`, in order. */
  append(src: FlowBatch): void {
    const n = src.length;
    if (n === 0) return;
    const out = this.out;
    out.reserve(n);
    const at = out.length;
    for (const name of NUMERIC_COLUMNS) {
      const from = src.numeric(name);
      out.numeric(name).set(from.subarray(0, n) as never, at);
    }
    // one translation table per appended batch: source string id → our id (-1 = not yet interned)
    const map = new Int32Array(src.strings.size).fill(-1);
    const translate = (from: Uint32Array, to: Uint32Array): void => {
      for (let i = 0; i < n; i++) {
        const sid = from[i] as number;
        let id = map[sid] as number;
        if (id < 0) {
          id = sid === 0 ? 0 : out.strings.intern(src.strings.get(sid));
          map[sid] = id;
        }
        to[at + i] = id;
      }
    };
    for (const name of CORE_TEXT_COLUMNS) translate(src.core(name), out.core(name));
    for (const [field, col] of src.text) translate(col, out.textColumn(field));
    out.length = at + n;
  }

  /** Append rows `rows[0..n)` of `src` (row indices), in that order. */
  appendRows(src: FlowBatch, rows: ArrayLike<number>, n = rows.length): void {
    if (n === 0) return;
    if (n === src.length && isIdentity(rows, n)) {
      this.append(src);
      return;
    }
    this.append(src.select(rows, n));
  }

  /** The batch built so far; the builder starts a new one. */
  take(): FlowBatch {
    const b = this.out;
    this.out = new FlowBatch(this.initialCapacity);
    return b;
  }
}

function isIdentity(rows: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) if (rows[i] !== i) return false;
  return true;
}
