/**
 * Open-addressing hash index from up to four int32 key parts to a dense entry
 * id (0..size-1, insertion order). Detectors keep their per-entry values in
 * parallel typed arrays indexed by that id, so the hot path allocates nothing
 * per record and a window close is a plain loop over 0..size-1.
 *
 * `maxEntries` bounds memory: an insert beyond it returns -1 and is counted in
 * `rejected` (the caller counts it as an eviction of new state).
 */
export class KeyIndex {
  size = 0;
  /** inserts refused because the index was full */
  rejected = 0;
  /** true when the last {@link upsert} created the entry */
  added = false;
  keys: Int32Array;
  private slots: Int32Array;
  private mask: number;

  constructor(
    readonly width: 1 | 2 | 3 | 4,
    initialCapacity = 1024,
    readonly maxEntries = 1 << 22,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.keys = new Int32Array(Math.max(16, initialCapacity) * width);
  }

  get capacity(): number {
    return this.keys.length / this.width;
  }

  private hash(a: number, b: number, c: number, d: number): number {
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
    h = Math.imul(h ^ (h >>> 15) ^ d, 0x85ebca6b);
    return (h ^ (h >>> 16)) & this.mask;
  }

  private same(id: number, a: number, b: number, c: number, d: number): boolean {
    const k = this.keys;
    const o = id * this.width;
    switch (this.width) {
      case 1: return k[o] === a;
      case 2: return k[o] === a && k[o + 1] === b;
      case 3: return k[o] === a && k[o + 1] === b && k[o + 2] === c;
      default: return k[o] === a && k[o + 1] === b && k[o + 2] === c && k[o + 3] === d;
    }
  }

  /** Entry id of the key, or -1. */
  find(a: number, b = 0, c = 0, d = 0): number {
    let s = this.hash(a, b, c, d);
    for (;;) {
      const v = this.slots[s] as number;
      if (v === 0) return -1;
      if (this.same(v - 1, a, b, c, d)) return v - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** Entry id of the key, inserting it when absent; -1 when full. Sets {@link added}. */
  upsert(a: number, b = 0, c = 0, d = 0): number {
    let s = this.hash(a, b, c, d);
    for (;;) {
      const v = this.slots[s] as number;
      if (v === 0) break;
      if (this.same(v - 1, a, b, c, d)) {
        this.added = false;
        return v - 1;
      }
      s = (s + 1) & this.mask;
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    if (id >= this.capacity) {
      const next = new Int32Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    const o = id * this.width;
    const k = this.keys;
    k[o] = a;
    if (this.width > 1) k[o + 1] = b;
    if (this.width > 2) k[o + 2] = c;
    if (this.width > 3) k[o + 3] = d;
    this.slots[s] = id + 1;
    this.added = true;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return id;
  }

  key(id: number, part: number): number {
    return this.keys[id * this.width + part] as number;
  }

  clear(): void {
    if (this.size === 0) return;
    this.size = 0;
    this.slots.fill(0);
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
    this.rehash(this.slots.length);
    return remap;
  }

  private rehash(slotCount: number): void {
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    const k = this.keys;
    const w = this.width;
    for (let id = 0; id < this.size; id++) {
      const o = id * w;
      let s = this.hash(k[o] as number, w > 1 ? (k[o + 1] as number) : 0, w > 2 ? (k[o + 2] as number) : 0, w > 3 ? (k[o + 3] as number) : 0);
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = id + 1;
    }
  }
}

interface Typed {
  readonly length: number;
  readonly [index: number]: number;
  set(array: ArrayLike<number>, offset?: number): void;
}

/** Grow a typed column to hold at least `need` entries (doubling), keeping its contents. */
export function ensureCapacity<T extends Typed>(arr: T, need: number): T {
  if (need <= arr.length) return arr;
  let cap = Math.max(16, arr.length * 2);
  while (cap < need) cap *= 2;
  const next = new (arr.constructor as new (n: number) => T)(cap);
  next.set(arr);
  return next;
}

/** Apply a {@link KeyIndex.compact} remap to a value column in place. */
export function compactColumn(arr: Typed | unknown[], remap: Int32Array): void {
  for (let id = 0; id < remap.length; id++) {
    const to = remap[id] as number;
    if (to >= 0 && to !== id) (arr as unknown as number[])[to] = (arr as unknown as number[])[id] as number;
  }
}
