/**
 * Tumbling event-time windows keyed by their start. A window closes when the
 * watermark reaches its end; closed windows are handed back in time order and
 * their state objects are recycled (typed arrays stay allocated).
 */
export class TumblingWindows<W> {
  private readonly open = new Map<number, W>();
  private readonly pool: W[] = [];
  private lastStart = -1;
  private last: W | null = null;

  constructor(
    readonly size: number,
    private readonly create: () => W,
    private readonly reset: (w: W) => void,
  ) {}

  /** The window containing event time `t` (seconds), created on first use. */
  at(t: number): W {
    const start = t - (t % this.size);
    if (start === this.lastStart && this.last) return this.last;
    let w = this.open.get(start);
    if (!w) {
      w = this.pool.pop() ?? this.create();
      this.open.set(start, w);
    }
    this.lastStart = start;
    this.last = w;
    return w;
  }

  /** Close windows with end ≤ watermark in ascending start order. */
  closeUpTo(watermark: number, close: (w: W, start: number, end: number) => void): void {
    if (this.open.size === 0) return;
    const due: number[] = [];
    for (const start of this.open.keys()) if (start + this.size <= watermark) due.push(start);
    if (due.length === 0) return;
    due.sort((a, b) => a - b);
    for (const start of due) {
      const w = this.open.get(start) as W;
      this.open.delete(start);
      close(w, start, start + this.size);
      this.reset(w);
      // keep a few warm windows (their arrays stay grown); sparse history can open hundreds at once
      if (this.pool.length < 8) this.pool.push(w);
    }
    this.lastStart = -1;
    this.last = null;
  }

  get openCount(): number {
    return this.open.size;
  }

  forEachOpen(fn: (w: W) => void): void {
    for (const w of this.open.values()) fn(w);
  }
}
