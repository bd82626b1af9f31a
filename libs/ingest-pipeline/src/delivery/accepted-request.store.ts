/**
 * Remembers Firehose request ids that were durably accepted, so a retry of a
 * request we already answered 200 to (the 200 was lost) is not ingested twice.
 * Firehose retries for at most its configured retry duration (≤ 2 h), so ids
 * older than that can be forgotten; the store is bounded by count as well.
 * The handler answers 200 once the records are published even when `add`
 * fails, and ingests when `has` fails (a store outage costs duplicates, never data).
 */
export interface AcceptedRequestStore {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

export interface BoundedIdStoreOptions {
  /** most ids kept (oldest evicted first); default 100,000 (~10 MB) */
  readonly maxEntries?: number;
  /** forget ids older than this; default 2 h 10 min (Firehose's longest retry duration plus slack) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * In-memory bounded store. Lost on restart: a retry that arrives after a
 * restart is ingested again. The ingest service uses a durable one instead
 * (FileAcceptedRequestStore of ingest-adapters, or DynamoDeliveryIdStore),
 * see docs/ingest.md.
 */
export class BoundedAcceptedRequestStore implements AcceptedRequestStore {
  private readonly ids = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(o: BoundedIdStoreOptions = {}) {
    this.maxEntries = Math.max(1, o.maxEntries ?? 100_000);
    this.ttlMs = o.ttlMs ?? 130 * 60_000;
    this.now = o.now ?? Date.now;
  }

  async has(id: string): Promise<boolean> {
    const at = this.ids.get(id);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.ids.delete(id);
      return false;
    }
    return true;
  }

  async add(id: string): Promise<void> {
    this.addAt(id, this.now());
  }

  /** Records an id accepted at `at` (replay of a durable copy, oldest first). */
  addAt(id: string, at: number): void {
    this.ids.delete(id); // re-insert at the young end
    this.ids.set(id, at);
    this.evict();
  }

  /** live ids with their acceptance time, oldest first (what a durable copy rewrites) */
  entries(): Array<[string, number]> {
    this.evict();
    return [...this.ids.entries()];
  }

  get size(): number {
    return this.ids.size;
  }

  private evict(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, at] of this.ids) {
      if (this.ids.size <= this.maxEntries && at >= cutoff) break;
      this.ids.delete(id);
    }
  }
}
