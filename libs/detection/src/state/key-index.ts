/** Key index factory and typed-array helpers; see key-index.base.ts for the design. */
import { KeyIndexBase } from './key-index.base';
import { KeyIndex1Impl, KeyIndex2Impl, KeyIndex3Impl, KeyIndex4Impl } from './key-index.widths';

export { KeyIndexBase };

export type KeyIndex = KeyIndexBase;

/** A key index over `width` int32 parts (the class specialised for that width). */
export const KeyIndex = function KeyIndex(width: 1 | 2 | 3 | 4, initialCapacity = 1024, maxEntries = 1 << 22): KeyIndexBase {
  switch (width) {
    case 1: return new KeyIndex1Impl(initialCapacity, maxEntries);
    case 2: return new KeyIndex2Impl(initialCapacity, maxEntries);
    case 3: return new KeyIndex3Impl(initialCapacity, maxEntries);
    default: return new KeyIndex4Impl(initialCapacity, maxEntries);
  }
} as unknown as new (width: 1 | 2 | 3 | 4, initialCapacity?: number, maxEntries?: number) => KeyIndexBase;

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

/** Apply a {@link KeyIndexBase.compact} remap to a value column in place. */
export function compactColumn(arr: Typed | unknown[], remap: Int32Array): void {
  for (let id = 0; id < remap.length; id++) {
    const to = remap[id] as number;
    if (to >= 0 && to !== id) (arr as unknown as number[])[to] = (arr as unknown as number[])[id] as number;
  }
}
