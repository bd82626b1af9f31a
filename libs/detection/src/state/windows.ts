/**
 * Event-time windows keyed by their start. Tumbling by default; with a hop
 * smaller than the size they overlap (hopping windows), so a burst shorter than
 * size − hop always falls entirely inside one window instead of being cut in
 * two by a window edge. A window closes when the watermark reaches its end;
 * closed windows are handed back in time order and their state objects are
 * recycled (typed arrays stay allocated).
 */
export class TumblingWindows<W> {
  private readonly open = new Map<number, W>();
  private readonly pool: W[] = [];
  /** closed but not yet recycled: their state is still readable until release() */
  private readonly closed: W[] = [];
  /** how many windows contain any instant: size / hop */
  readonly span: number;
  private readonly lastStart: number[];
  private readonly last: (W | null)[];

  constructor(
    readonly size: number,
    private readonly create: () => W,
    private readonly reset: (w: W) => void,
    readonly hop: number = size,
  ) {
    if (!(hop > 0) || size % hop !== 0) throw new RangeError(`window size ${size} must be a multiple of its hop ${hop}`);
    this.span = size / hop;
    this.lastStart = new Array(this.span).fill(-1);
    this.last = new Array(this.span).fill(null);
  }

  /** The window containing event time `t` (seconds), created on first use (tumbling windows). */
  at(t: number): W {
    return this.atHop(t, 0);
  }

  /** The k-th (0 ≤ k < span) of the overlapping windows containing `t`: the one starting k hops before t's hop. */
  atHop(t: number, k: number): W {
    const start = t - (t % this.hop) - k * this.hop;
    if (start === this.lastStart[k] && this.last[k]) return this.last[k] as W;
    let w = this.open.get(start);
    if (!w) {
      w = this.pool.pop() ?? this.create();
      this.open.set(start, w);
    }
    this.lastStart[k] = start;
    this.last[k] = w;
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
      this.closed.push(w);
    }
    this.lastStart.fill(-1);
    this.last.fill(null);
  }

  /** Reset and recycle the windows closed since the last call. */
  release(): void {
    for (const w of this.closed) {
      this.reset(w);
      // keep a few warm windows (their arrays stay grown); sparse history can open hundreds at once
      if (this.pool.length < 32) this.pool.push(w);
    }
    this.closed.length = 0;
  }

  get openCount(): number {
    return this.open.size;
  }

  forEachOpen(fn: (w: W) => void): void {
    for (const w of this.open.values()) fn(w);
  }
}
