/**
 * A bounded "seen keys" set with least-recently-used eviction, for consumers
 * that want to drop redeliveries cheaply (at-least-once delivery means a
 * message can arrive twice after a rebalance or restart). It only catches
 * duplicates within one process and within `capacity` recent keys; durable
 * idempotency (incidents) comes from conditional writes in the repository.
 */
export class SeenKeys {
  private readonly keys = new Map<string, true>();

  constructor(readonly capacity = 10_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** True when `key` was seen recently; otherwise remembers it and returns false. */
  checkAndAdd(key: string): boolean {
    if (this.keys.has(key)) {
      // refresh recency: a Map iterates in insertion order, so re-insert at the end
      this.keys.delete(key);
      this.keys.set(key, true);
      return true;
    }
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value as string;
      this.keys.delete(oldest);
    }
    return false;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Forget a key, e.g. when handling it failed and a redelivery must not be skipped. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
