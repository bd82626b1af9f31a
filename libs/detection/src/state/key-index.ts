/**
 * Open-addressing hash index from up to four int32 key parts to a dense entry
 * id (0..size-1, insertion order). Detectors keep their per-entry values in
 * parallel typed arrays indexed by that id, so the hot path allocates nothing
 * per record and a window close is a plain loop over 0..size-1.
 *
 * Layout: the probe table stores each slot's key parts inline next to its id
 * (one cache line per probe); a dense copy of the keys by id serves iteration
 * and key(). Code is specialised per key width so every call site stays
 * monomorphic. `maxEntries` bounds memory: an insert beyond it returns -1 and
 * is counted in `rejected` (the caller counts it as an eviction of new state).
 */
export class KeyIndex {
  size = 0;
  /** inserts refused because the index was full */
  rejected = 0;
  /** true when the last {@link upsert} created the entry */
  added = false;
  /** dense keys by id: id * width + part */
  keys: Int32Array;
  /** probe table: stride width + 1, [id + 1 (0 = empty), key parts...] */
  private table: Int32Array;
  private mask: number;
  private readonly stride: number;

  constructor(
    readonly width: 1 | 2 | 3 | 4,
    initialCapacity = 1024,
    readonly maxEntries = 1 << 22,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.stride = width + 1;
    this.table = new Int32Array(cap * this.stride);
    this.mask = cap - 1;
    this.keys = new Int32Array(Math.max(16, initialCapacity) * width);
  }

  get capacity(): number {
    return this.keys.length / this.width;
  }

  /** Entry id of the key, or -1. */
  find(a: number, b = 0, c = 0, d = 0): number {
    const t = this.table;
    const st = this.stride;
    const m = this.mask;
    let s = hash(this.width, a, b, c, d) & m;
    switch (this.width) {
      case 1:
        for (;;) {
          const o = s * 2;
          const v = t[o] as number;
          if (v === 0) return -1;
          if (t[o + 1] === a) return v - 1;
          s = (s + 1) & m;
        }
      case 2:
        for (;;) {
          const o = s * 3;
          const v = t[o] as number;
          if (v === 0) return -1;
          if (t[o + 1] === a && t[o + 2] === b) return v - 1;
          s = (s + 1) & m;
        }
      case 3:
        for (;;) {
          const o = s * 4;
          const v = t[o] as number;
          if (v === 0) return -1;
          if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c) return v - 1;
          s = (s + 1) & m;
        }
      default:
        for (;;) {
          const o = s * st;
          const v = t[o] as number;
          if (v === 0) return -1;
          if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c && t[o + 4] === d) return v - 1;
          s = (s + 1) & m;
        }
    }
  }

  /** Entry id of the key, inserting it when absent; -1 when full. Sets {@link added}. */
  upsert(a: number, b = 0, c = 0, d = 0): number {
    const t = this.table;
    const st = this.stride;
    const m = this.mask;
    let s = hash(this.width, a, b, c, d) & m;
    let o: number;
    switch (this.width) {
      case 1:
        for (;;) {
          o = s * 2;
          const v = t[o] as number;
          if (v === 0) break;
          if (t[o + 1] === a) {
            this.added = false;
            return v - 1;
          }
          s = (s + 1) & m;
        }
        break;
      case 2:
        for (;;) {
          o = s * 3;
          const v = t[o] as number;
          if (v === 0) break;
          if (t[o + 1] === a && t[o + 2] === b) {
            this.added = false;
            return v - 1;
          }
          s = (s + 1) & m;
        }
        break;
      case 3:
        for (;;) {
          o = s * 4;
          const v = t[o] as number;
          if (v === 0) break;
          if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c) {
            this.added = false;
            return v - 1;
          }
          s = (s + 1) & m;
        }
        break;
      default:
        for (;;) {
          o = s * st;
          const v = t[o] as number;
          if (v === 0) break;
          if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c && t[o + 4] === d) {
            this.added = false;
            return v - 1;
          }
          s = (s + 1) & m;
        }
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    const w = this.width;
    if (id >= this.capacity) {
      const next = new Int32Array(this.keys.length * 2);
      next.set(this.keys);
      this.keys = next;
    }
    const k = this.keys;
    const ko = id * w;
    t[o] = id + 1;
    t[o + 1] = a;
    k[ko] = a;
    if (w > 1) {
      t[o + 2] = b;
      k[ko + 1] = b;
    }
    if (w > 2) {
      t[o + 3] = c;
      k[ko + 2] = c;
    }
    if (w > 3) {
      t[o + 4] = d;
      k[ko + 3] = d;
    }
    this.added = true;
    if (this.size * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    return id;
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

  private rehash(slotCount: number): void {
    const st = this.stride;
    const t = new Int32Array(slotCount * st);
    const m = slotCount - 1;
    const k = this.keys;
    const w = this.width;
    for (let id = 0; id < this.size; id++) {
      const ko = id * w;
      const a = k[ko] as number;
      const b = w > 1 ? (k[ko + 1] as number) : 0;
      const c = w > 2 ? (k[ko + 2] as number) : 0;
      const d = w > 3 ? (k[ko + 3] as number) : 0;
      let s = hash(w, a, b, c, d) & m;
      while (t[s * st] !== 0) s = (s + 1) & m;
      const o = s * st;
      t[o] = id + 1;
      for (let p = 0; p < w; p++) t[o + 1 + p] = k[ko + p] as number;
    }
    this.table = t;
    this.mask = m;
  }
}

/** murmur3-style mixing of the key parts actually used. */
function hash(width: number, a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
  if (width > 1) h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
  if (width > 2) h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
  if (width > 3) h = Math.imul(h ^ (h >>> 15) ^ d, 0x85ebca6b);
  return h ^ (h >>> 16);
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
