/**
 * Exponentially weighted baselines per entity and metric, updated once per
 * closed window. Windows in which the entity had no traffic count as zeros
 * (applied as a decay when it shows up again), so a quiet destination's
 * baseline falls back towards zero instead of freezing at its last busy value.
 */
import { KeyIndex, compactColumn, ensureCapacity } from './key-index';

export class EwmaBaselines {
  readonly index: KeyIndex;
  private mean: Float64Array;
  /** windows observed since the entity first appeared (including quiet ones) */
  private windows: Uint32Array;
  private lastWindow: Float64Array;

  constructor(readonly metrics: number, private readonly alpha: number, private readonly windowSec: number, maxEntries: number) {
    this.index = new KeyIndex(2, 1024, maxEntries);
    this.mean = new Float64Array(1024 * metrics);
    this.windows = new Uint32Array(1024);
    this.lastWindow = new Float64Array(1024);
  }

  /** Entry for an entity key (two int parts), created when absent; -1 when full. */
  entry(a: number, b = 0): number {
    const e = this.index.upsert(a, b);
    if (e >= 0 && this.index.added) {
      this.mean = ensureCapacity(this.mean, (e + 1) * this.metrics);
      this.windows = ensureCapacity(this.windows, e + 1);
      this.lastWindow = ensureCapacity(this.lastWindow, e + 1);
      this.mean.fill(0, e * this.metrics, (e + 1) * this.metrics);
      this.windows[e] = 0;
      this.lastWindow[e] = -1;
    }
    return e;
  }

  find(a: number, b = 0): number {
    return this.index.find(a, b);
  }

  private decayEntry = -1;
  private decayWindow = NaN;
  private decay = 1;

  /** Baseline of metric `m` as of window `windowStart` (decayed over quiet windows, not yet updated). */
  baseline(e: number, m: number, windowStart: number): number {
    const last = this.lastWindow[e] as number;
    if (last < 0) return 0;
    if (e !== this.decayEntry || windowStart !== this.decayWindow) {
      // one pow per entity and window, however many metrics are read
      const gap = Math.max(0, Math.round((windowStart - last) / this.windowSec) - 1);
      this.decay = gap > 0 ? Math.pow(1 - this.alpha, gap) : 1;
      this.decayEntry = e;
      this.decayWindow = windowStart;
    }
    return (this.mean[e * this.metrics + m] as number) * this.decay;
  }

  /** Windows observed, counting quiet ones, as of `windowStart`. */
  age(e: number, windowStart: number): number {
    const last = this.lastWindow[e] as number;
    if (last < 0) return 0;
    return (this.windows[e] as number) + Math.max(0, Math.round((windowStart - last) / this.windowSec) - 1);
  }

  /** Fold one closed window's values in (call once per entity per window, in time order). */
  update(e: number, windowStart: number, values: ArrayLike<number>): void {
    this.decayEntry = -1;
    const first = (this.lastWindow[e] as number) < 0;
    const age = this.age(e, windowStart);
    for (let m = 0; m < this.metrics; m++) {
      const prev = this.baseline(e, m, windowStart);
      this.mean[e * this.metrics + m] = first ? (values[m] as number) : prev + this.alpha * ((values[m] as number) - prev);
    }
    this.windows[e] = age + 1;
    this.lastWindow[e] = windowStart;
  }

  lastUpdate(e: number): number {
    return this.lastWindow[e] as number;
  }

  /** Drop entities whose last window started before `before`. */
  expire(before: number): number {
    const n = this.index.size;
    if (n === 0) return 0;
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let e = 0; e < n; e++) {
      if ((this.lastWindow[e] as number) >= before) keep[e] = 1;
      else dropped++;
    }
    if (dropped === 0 || (dropped < n / 10 && n < this.index.maxEntries * 0.9)) return 0;
    this.decayEntry = -1;
    const remap = this.index.compact(keep);
    const m = this.metrics;
    for (let e = 0; e < n; e++) {
      const to = remap[e] as number;
      if (to >= 0 && to !== e) for (let k = 0; k < m; k++) this.mean[to * m + k] = this.mean[e * m + k] as number;
    }
    compactColumn(this.windows, remap);
    compactColumn(this.lastWindow, remap);
    return dropped;
  }

  get size(): number {
    return this.index.size;
  }
}
