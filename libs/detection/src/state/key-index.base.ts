/**
 * Open-addressing hash index from up to four int32 key parts to a dense entry
 * id (0..size-1, insertion order). Detectors keep their per-entry values in
 * parallel typed arrays indexed by that id, so the hot path allocates nothing
 * per record and a window close is a plain loop over 0..size-1.
 *
 * Layout: the probe table stores each slot's key parts inline next to its id
 * (one cache line per probe); a dense copy of the keys by id serves iteration
 * and key(). There is one class per key width (no width switch, no default
 * arguments on the hot path), so every call site stays monomorphic.
 * `maxEntries` bounds memory: an insert beyond it returns -1 and is counted in
 * `rejected` (the caller counts it as an eviction of new state).
 */
export abstract class KeyIndexBase {
  size = 0;
  /** inserts refused because the index was full */
  rejected = 0;
  /** true when the last {@link upsert} created the entry */
  added = false;
  /** dense keys by id: id * width + part */
  keys: Int32Array;
  /** probe table: stride width + 1, [id + 1 (0 = empty), key parts...] */
  protected table: Int32Array;
  protected mask: number;

  constructor(
    readonly width: 1 | 2 | 3 | 4,
    initialCapacity: number,
    readonly maxEntries: number,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.table = new Int32Array(cap * (width + 1));
    this.mask = cap - 1;
    this.keys = new Int32Array(Math.max(16, initialCapacity) * width);
  }

  get capacity(): number {
    return this.keys.length / this.width;
  }

  /** Entry id of the key, or -1. Pass exactly `width` parts. */
  abstract find(a: number, b?: number, c?: number, d?: number): number;
  /** Entry id of the key, inserting it when absent; -1 when full. Sets {@link added}. Pass exactly `width` parts. */
  abstract upsert(a: number, b?: number, c?: number, d?: number): number;
  protected abstract rehash(slotCount: number): void;

  protected growKeys(): void {
    const next = new Int32Array(this.keys.length * 2);
    next.set(this.keys);
    this.keys = next;
  }

  key(id: number, part: number): number {
    return this.keys[id * this.width + part] as number;
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    this.table.fill(0);
  }

  /**
   * Keep only entries for which keep[id] is non-zero, renumbering them densely
   * in the same order. Returns old id → new id (-1 for dropped), for callers to
   * compact their value arrays with {@link compactColumn}.
   */
  compact(keep: Uint8Array): Int32Array {
    const remap = new Int32Array(this.size);
    const w = this.width;
    let n = 0;
    for (let id = 0; id < this.size; id++) {
      if (keep[id]) {
        if (n !== id) this.keys.copyWithin(n * w, id * w, id * w + w);
        remap[id] = n++;
      } else {
        remap[id] = -1;
      }
    }
    this.size = n;
    this.rehash(this.mask + 1);
    return remap;
  }
}
