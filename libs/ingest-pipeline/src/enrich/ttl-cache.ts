/** A bounded cache with per-entry expiry (insertion-ordered eviction). */
export class TtlCache<K, V> {
  private readonly map = new Map<K, { v: V; until: number }>();

  constructor(private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.until <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.v;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, v: V, ttlMs: number): void {
    this.map.delete(key);
    this.map.set(key, { v, until: this.now() + ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
