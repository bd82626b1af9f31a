/**
 * Puts a lane's input into one canonical order before the engine sees it.
 *
 * Sub-batches of several origins reach a lane interleaved in an order that
 * depends on consumer timing, and detectors are not indifferent to row order
 * (sessions continue by source port, beacon re-scoring counts the beats seen
 * so far, evidence keeps the first rows). So a lane does not feed rows as
 * they come: it buffers them by event-time grain (tickSec) and releases a
 * grain only when every origin has moved past it (plus the allowed
 * lateness). A released grain is one batch in the order (start, origin,
 * input offset, row): a function of the data alone. Ingesting grain by grain,
 * with the watermark moved to each grain's start before and its end after,
 * makes the engine's input sequence the same however the origins interleaved.
 *
 * Rows of a grain that was already released are late: they go to the engine
 * at once, which drops and counts them (its watermark is past them).
 */
import type { FlowBatch } from '@flowguard/contracts';
import { FlowBatchBuilder } from '../repartition/flow-batch.builder';

interface Entry {
  readonly origin: number;
  readonly offset: number;
  readonly batch: FlowBatch;
  readonly rows: Int32Array;
}

/** One step of a release: move the watermark to `start`, ingest `batch`, move it to `start + grain`. */
export interface GrainStep {
  readonly start: number;
  readonly batch: FlowBatch;
}

export class ReorderBuffer {
  private readonly grains = new Map<number, Entry[]>();
  /** rows held */
  rows = 0;
  /** every grain before this was released (event seconds) */
  released = -Infinity;

  constructor(readonly grainSec: number) {
    if (!Number.isInteger(grainSec) || grainSec < 1) throw new RangeError(`grainSec must be a positive integer, got ${grainSec}`);
  }

  /** The earliest held grain's start, or Infinity. */
  get earliest(): number {
    let m = Infinity;
    for (const k of this.grains.keys()) if (k < m) m = k;
    return m;
  }

  /**
   * Hold the rows of `batch` (origin and offset of its first input message order
   * it among batches of one grain). Returns the rows whose grain was already
   * released (late), as one batch, or null.
   */
  add(origin: number, offset: number, batch: FlowBatch): FlowBatch | null {
    const n = batch.length;
    if (n === 0) return null;
    const g = this.grainSec;
    // rows per grain, in row order (most sub-batches touch one or two grains)
    const byGrain = new Map<number, number[]>();
    const late: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = batch.start[i] as number;
      const grain = start - (start % g);
      if (grain < this.released) {
        late.push(i);
        continue;
      }
      const list = byGrain.get(grain);
      if (list) list.push(i);
      else byGrain.set(grain, [i]);
    }
    for (const [grain, rows] of byGrain) {
      const entry: Entry = { origin, offset, batch, rows: Int32Array.from(rows) };
      const list = this.grains.get(grain);
      if (list) list.push(entry);
      else this.grains.set(grain, [entry]);
      this.rows += rows.length;
    }
    return late.length ? batch.select(late) : null;
  }

  /** Release every grain that starts before `boundary` (a multiple of the grain), oldest first. */
  release(boundary: number): GrainStep[] {
    const keys = [...this.grains.keys()].filter((k) => k < boundary).sort((a, b) => a - b);
    const steps = keys.map((k) => ({ start: k, batch: this.take(k) }));
    if (boundary > this.released) this.released = boundary;
    return steps;
  }

  /** Treat everything before `t` as released (the engine's watermark went there by a flush); holds nothing before it. */
  skipTo(t: number): void {
    const boundary = t - (((t % this.grainSec) + this.grainSec) % this.grainSec);
    if (boundary > this.released && this.rows === 0) this.released = boundary;
  }

  /** Release everything held. */
  releaseAll(): GrainStep[] {
    const last = [...this.grains.keys()].reduce((m, k) => Math.max(m, k), -Infinity);
    return Number.isFinite(last) ? this.release(last + this.grainSec) : [];
  }

  private take(grain: number): FlowBatch {
    const entries = this.grains.get(grain) ?? [];
    this.grains.delete(grain);
    entries.sort((a, b) => a.origin - b.origin || a.offset - b.offset);
    const only = entries.length === 1 ? (entries[0] as Entry) : null;
    let merged: FlowBatch;
    if (only && only.rows.length === only.batch.length) {
      merged = only.batch; // the whole sub-batch is this grain: no copy
    } else {
      const builder = new FlowBatchBuilder(entries.reduce((n, e) => n + e.rows.length, 0));
      for (const e of entries) builder.appendRows(e.batch, e.rows);
      merged = builder.take();
    }
    this.rows -= merged.length;
    // stable counting sort by start second within the grain: (start, origin, offset, row)
    const g = this.grainSec;
    const counts = new Int32Array(g + 1);
    for (let i = 0; i < merged.length; i++) counts[((merged.start[i] as number) - grain) + 1]++;
    for (let s = 1; s <= g; s++) counts[s] += counts[s - 1] as number;
    const order = new Int32Array(merged.length);
    let sorted = true;
    for (let i = 0; i < merged.length; i++) {
      const slot = (merged.start[i] as number) - grain;
      const at = counts[slot] as number;
      counts[slot] = at + 1;
      order[at] = i;
      if (at !== i) sorted = false;
    }
    return sorted ? merged : merged.select(order);
  }
}
