/** The width-specialised key index classes (generated shape: keep the four in step). */
import { KeyIndexBase } from './key-index.base';

export class KeyIndex1Impl extends KeyIndexBase {
  constructor(initialCapacity: number, maxEntries: number) {
    super(1, initialCapacity, maxEntries);
  }

  override find(a: number): number {
    const t = this.table;
    const m = this.mask;
    const h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    let s = (h ^ (h >>> 16)) & m;
    for (;;) {
      const o = s * 2;
      const v = t[o] as number;
      if (v === 0) return -1;
      if (t[o + 1] === a) return v - 1;
      s = (s + 1) & m;
    }
  }

  override upsert(a: number): number {
    const t = this.table;
    const m = this.mask;
    const h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    let s = (h ^ (h >>> 16)) & m;
    let o = s * 2;
    for (;;) {
      const v = t[o] as number;
      if (v === 0) break;
      if (t[o + 1] === a) {
        this.added = false;
        return v - 1;
      }
      s = (s + 1) & m;
      o = s * 2;
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    if ((id + 1) * 1 > this.keys.length) this.growKeys();
    const k = this.keys;
    const ko = id * 1;
    t[o] = id + 1;
    t[o + 1] = a;
    k[ko + 0] = a;
    this.added = true;
    if (this.size * 2 > m + 1) this.rehash((m + 1) * 2);
    return id;
  }

  protected override rehash(slotCount: number): void {
    const nt = new Int32Array(slotCount * 2);
    const m = slotCount - 1;
    const k = this.keys;
    for (let id = 0; id < this.size; id++) {
      const ko = id * 1;
      const a = k[ko + 0] as number;
      const h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
      let s = (h ^ (h >>> 16)) & m;
      while (nt[s * 2] !== 0) s = (s + 1) & m;
      const o = s * 2;
      nt[o] = id + 1;
      nt[o + 1] = a;
    }
    this.table = nt;
    this.mask = m;
  }
}
export class KeyIndex2Impl extends KeyIndexBase {
  constructor(initialCapacity: number, maxEntries: number) {
    super(2, initialCapacity, maxEntries);
  }

  override find(a: number, b: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    let s = (h ^ (h >>> 16)) & m;
    for (;;) {
      const o = s * 3;
      const v = t[o] as number;
      if (v === 0) return -1;
      if (t[o + 1] === a && t[o + 2] === b) return v - 1;
      s = (s + 1) & m;
    }
  }

  override upsert(a: number, b: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    let s = (h ^ (h >>> 16)) & m;
    let o = s * 3;
    for (;;) {
      const v = t[o] as number;
      if (v === 0) break;
      if (t[o + 1] === a && t[o + 2] === b) {
        this.added = false;
        return v - 1;
      }
      s = (s + 1) & m;
      o = s * 3;
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    if ((id + 1) * 2 > this.keys.length) this.growKeys();
    const k = this.keys;
    const ko = id * 2;
    t[o] = id + 1;
    t[o + 1] = a;
    t[o + 2] = b;
    k[ko + 0] = a;
    k[ko + 1] = b;
    this.added = true;
    if (this.size * 2 > m + 1) this.rehash((m + 1) * 2);
    return id;
  }

  protected override rehash(slotCount: number): void {
    const nt = new Int32Array(slotCount * 3);
    const m = slotCount - 1;
    const k = this.keys;
    for (let id = 0; id < this.size; id++) {
      const ko = id * 2;
      const a = k[ko + 0] as number;
      const b = k[ko + 1] as number;
      let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
      let s = (h ^ (h >>> 16)) & m;
      while (nt[s * 3] !== 0) s = (s + 1) & m;
      const o = s * 3;
      nt[o] = id + 1;
      nt[o + 1] = a;
      nt[o + 2] = b;
    }
    this.table = nt;
    this.mask = m;
  }
}
export class KeyIndex3Impl extends KeyIndexBase {
  constructor(initialCapacity: number, maxEntries: number) {
    super(3, initialCapacity, maxEntries);
  }

  override find(a: number, b: number, c: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
    let s = (h ^ (h >>> 16)) & m;
    for (;;) {
      const o = s * 4;
      const v = t[o] as number;
      if (v === 0) return -1;
      if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c) return v - 1;
      s = (s + 1) & m;
    }
  }

  override upsert(a: number, b: number, c: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
    let s = (h ^ (h >>> 16)) & m;
    let o = s * 4;
    for (;;) {
      const v = t[o] as number;
      if (v === 0) break;
      if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c) {
        this.added = false;
        return v - 1;
      }
      s = (s + 1) & m;
      o = s * 4;
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    if ((id + 1) * 3 > this.keys.length) this.growKeys();
    const k = this.keys;
    const ko = id * 3;
    t[o] = id + 1;
    t[o + 1] = a;
    t[o + 2] = b;
    t[o + 3] = c;
    k[ko + 0] = a;
    k[ko + 1] = b;
    k[ko + 2] = c;
    this.added = true;
    if (this.size * 2 > m + 1) this.rehash((m + 1) * 2);
    return id;
  }

  protected override rehash(slotCount: number): void {
    const nt = new Int32Array(slotCount * 4);
    const m = slotCount - 1;
    const k = this.keys;
    for (let id = 0; id < this.size; id++) {
      const ko = id * 3;
      const a = k[ko + 0] as number;
      const b = k[ko + 1] as number;
      const c = k[ko + 2] as number;
      let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
      h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
      let s = (h ^ (h >>> 16)) & m;
      while (nt[s * 4] !== 0) s = (s + 1) & m;
      const o = s * 4;
      nt[o] = id + 1;
      nt[o + 1] = a;
      nt[o + 2] = b;
      nt[o + 3] = c;
    }
    this.table = nt;
    this.mask = m;
  }
}
export class KeyIndex4Impl extends KeyIndexBase {
  constructor(initialCapacity: number, maxEntries: number) {
    super(4, initialCapacity, maxEntries);
  }

  override find(a: number, b: number, c: number, d: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
    h = Math.imul(h ^ (h >>> 15) ^ d, 0x85ebca6b);
    let s = (h ^ (h >>> 16)) & m;
    for (;;) {
      const o = s * 5;
      const v = t[o] as number;
      if (v === 0) return -1;
      if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c && t[o + 4] === d) return v - 1;
      s = (s + 1) & m;
    }
  }

  override upsert(a: number, b: number, c: number, d: number): number {
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
    h = Math.imul(h ^ (h >>> 15) ^ d, 0x85ebca6b);
    let s = (h ^ (h >>> 16)) & m;
    let o = s * 5;
    for (;;) {
      const v = t[o] as number;
      if (v === 0) break;
      if (t[o + 1] === a && t[o + 2] === b && t[o + 3] === c && t[o + 4] === d) {
        this.added = false;
        return v - 1;
      }
      s = (s + 1) & m;
      o = s * 5;
    }
    if (this.size >= this.maxEntries) {
      this.rejected++;
      this.added = false;
      return -1;
    }
    const id = this.size++;
    if ((id + 1) * 4 > this.keys.length) this.growKeys();
    const k = this.keys;
    const ko = id * 4;
    t[o] = id + 1;
    t[o + 1] = a;
    t[o + 2] = b;
    t[o + 3] = c;
    t[o + 4] = d;
    k[ko + 0] = a;
    k[ko + 1] = b;
    k[ko + 2] = c;
    k[ko + 3] = d;
    this.added = true;
    if (this.size * 2 > m + 1) this.rehash((m + 1) * 2);
    return id;
  }

  protected override rehash(slotCount: number): void {
    const nt = new Int32Array(slotCount * 5);
    const m = slotCount - 1;
    const k = this.keys;
    for (let id = 0; id < this.size; id++) {
      const ko = id * 4;
      const a = k[ko + 0] as number;
      const b = k[ko + 1] as number;
      const c = k[ko + 2] as number;
      const d = k[ko + 3] as number;
      let h = Math.imul(a ^ 0x27d4eb2d, 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 15) ^ b, 0xc2b2ae35);
      h = Math.imul(h ^ (h >>> 13) ^ c, 0x27d4eb2d);
      h = Math.imul(h ^ (h >>> 15) ^ d, 0x85ebca6b);
      let s = (h ^ (h >>> 16)) & m;
      while (nt[s * 5] !== 0) s = (s + 1) & m;
      const o = s * 5;
      nt[o] = id + 1;
      nt[o + 1] = a;
      nt[o + 2] = b;
      nt[o + 3] = c;
      nt[o + 4] = d;
    }
    this.table = nt;
    this.mask = m;
  }
}
