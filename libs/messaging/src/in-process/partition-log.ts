/**
 * One partition of an in-process topic: an append-only log of encoded
 * messages with Kafka-like offsets. Entries are dropped from the head once no
 * consumer group needs them (or by retention), never from the middle.
 */
export interface LogEntry {
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  /** bytes this entry counts against the topic's bound */
  readonly size: number;
}

/** per-entry bookkeeping counted on top of key and value bytes */
const ENTRY_OVERHEAD_BYTES = 64;

export function entrySize(key: string | null, value: Buffer | null): number {
  return ENTRY_OVERHEAD_BYTES + (key ? Buffer.byteLength(key) : 0) + (value ? value.byteLength : 0);
}

export class PartitionLog {
  private entries: LogEntry[] = [];
  private head = 0;
  private waiters: Array<() => void> = [];
  /** offset of the oldest retained entry */
  startOffset = 0;
  /** offset the next appended entry gets */
  endOffset = 0;
  bytes = 0;

  constructor(readonly partition: number) {}

  append(key: string | null, value: Buffer | null, headers: Readonly<Record<string, string>>, timestamp: number, size: number): LogEntry {
    const entry: LogEntry = { offset: this.endOffset++, key, value, headers, timestamp, size };
    this.entries.push(entry);
    this.bytes += size;
    if (this.waiters.length > 0) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    }
    return entry;
  }

  /** Up to `max` entries from offset `from` on (clamped to what is still retained). */
  read(from: number, max: number): LogEntry[] {
    const start = Math.max(from, this.startOffset) - this.startOffset + this.head;
    return this.entries.slice(start, Math.min(start + max, this.entries.length));
  }

  /** The oldest retained entry, if any. */
  peekHead(): LogEntry | undefined {
    return this.entries[this.head];
  }

  /** Drop every entry below `offset`; returns the bytes freed. */
  truncateBefore(offset: number): number {
    let freed = 0;
    while (this.head < this.entries.length && (this.entries[this.head] as LogEntry).offset < offset) {
      freed += (this.entries[this.head] as LogEntry).size;
      this.entries[this.head] = undefined as unknown as LogEntry; // let the buffer be collected now
      this.head++;
    }
    this.startOffset = this.head < this.entries.length ? (this.entries[this.head] as LogEntry).offset : this.endOffset;
    this.bytes -= freed;
    // compact the array once the dropped prefix dominates, so it does not grow forever
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return freed;
  }

  /** Resolves at the next append. */
  waitForData(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wake every waiter without data (stop, close). */
  wakeAll(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  get length(): number {
    return this.entries.length - this.head;
  }
}
