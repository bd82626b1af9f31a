/**
 * An in-process topic: N partition logs, the committed offsets of every
 * consumer group that ever subscribed, and the memory bound.
 *
 * Memory rule (see docs/adr/0004): a topic holds at most `maxBytes` of
 * messages. An entry is released once every known group committed past it.
 * When a publish would exceed the bound:
 *  - entries that no *active* group still needs (topics nobody consumes, or
 *    messages only a stopped group has not read) are evicted oldest-first,
 *    like Kafka's size-based retention, and counted;
 *  - otherwise the publisher waits until active consumers catch up
 *    (backpressure), so a slow consumer slows its producers instead of
 *    growing the heap.
 */
import { PartitionLog } from './partition-log';

export class BusClosedError extends Error {
  constructor() {
    super('the bus is closed');
    this.name = 'BusClosedError';
  }
}

export interface GroupOffsets {
  /** next offset to consume, per partition */
  readonly committed: number[];
  active: boolean;
}

export interface TopicStats {
  readonly topic: string;
  readonly partitions: number;
  readonly queuedBytes: number;
  readonly queuedMessages: number;
  readonly evicted: number;
  readonly waitingPublishers: number;
  /** per group: messages not yet committed, summed over partitions */
  readonly lag: Record<string, number>;
}

export class TopicState {
  readonly partitions: PartitionLog[];
  readonly groups = new Map<string, GroupOffsets>();
  bytes = 0;
  evicted = 0;
  private spaceWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closed = false;
  private roundRobin = 0;

  constructor(
    readonly name: string,
    partitionCount: number,
    readonly maxBytes: number,
    private readonly onEvict: (topic: string, count: number) => void,
  ) {
    this.partitions = Array.from({ length: Math.max(1, partitionCount) }, (_, p) => new PartitionLog(p));
  }

  /** a partition for a null key, round-robin like Kafka's default partitioner */
  nextRoundRobin(): number {
    return this.roundRobin++ % this.partitions.length;
  }

  /** True when a message of `size` bytes fits now (a lone oversized message always fits an empty topic). */
  fits(size: number): boolean {
    return this.bytes === 0 || this.bytes + size <= this.maxBytes;
  }

  /** Wait until a message of `size` bytes fits, evicting unneeded entries first. */
  async reserve(size: number): Promise<void> {
    for (;;) {
      if (this.closed) throw new BusClosedError();
      if (this.fits(size)) return;
      if (this.evictUnneeded(size)) continue;
      await new Promise<void>((resolve, reject) => this.spaceWaiters.push({ resolve, reject }));
    }
  }

  append(partition: number, key: string | null, value: Buffer | null, headers: Readonly<Record<string, string>>, timestamp: number, size: number): void {
    (this.partitions[partition] as PartitionLog).append(key, value, headers, timestamp, size);
    this.bytes += size;
  }

  /** Release entries every known group committed past, then wake waiting publishers. */
  release(): void {
    if (this.groups.size === 0) return; // nobody consumed yet: keep for a later fromBeginning subscriber
    let freed = 0;
    for (const log of this.partitions) {
      let min = Infinity;
      for (const g of this.groups.values()) min = Math.min(min, g.committed[log.partition] as number);
      if (min > log.startOffset) freed += log.truncateBefore(min);
    }
    if (freed > 0) {
      this.bytes -= freed;
      this.wakePublishers();
    }
  }

  /** A group went inactive: its unread entries become evictable, so publishers may proceed. */
  groupDeactivated(): void {
    this.wakePublishers();
  }

  /**
   * Evict oldest entries that no active group still needs until `size` more
   * bytes fit. Returns false when nothing could be evicted.
   */
  private evictUnneeded(size: number): boolean {
    const neededFrom = this.partitions.map((log) => {
      let min = Infinity;
      for (const g of this.groups.values()) if (g.active) min = Math.min(min, g.committed[log.partition] as number);
      return min;
    });
    let count = 0;
    let progress = true;
    while (!this.fits(size) && progress) {
      progress = false;
      for (const log of this.partitions) {
        const head = log.peekHead();
        if (head && head.offset < (neededFrom[log.partition] as number)) {
          this.bytes -= log.truncateBefore(head.offset + 1);
          count++;
          progress = true;
          if (this.fits(size)) break;
        }
      }
    }
    if (count > 0) {
      this.evicted += count;
      this.onEvict(this.name, count);
    }
    return count > 0;
  }

  private wakePublishers(): void {
    const ws = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of ws) w.resolve();
  }

  close(): void {
    this.closed = true;
    const ws = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of ws) w.reject(new BusClosedError());
    for (const log of this.partitions) log.wakeAll();
  }

  stats(): TopicStats {
    const lag: Record<string, number> = {};
    for (const [group, g] of this.groups) {
      lag[group] = this.partitions.reduce((sum, log) => sum + Math.max(0, log.endOffset - Math.max(g.committed[log.partition] as number, log.startOffset)), 0);
    }
    return {
      topic: this.name,
      partitions: this.partitions.length,
      queuedBytes: this.bytes,
      queuedMessages: this.partitions.reduce((s, l) => s + l.length, 0),
      evicted: this.evicted,
      waitingPublishers: this.spaceWaiters.length,
      lag,
    };
  }
}
