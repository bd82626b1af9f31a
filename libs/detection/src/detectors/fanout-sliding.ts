/**
 * Hopping fan-out windows at the per-row cost of one tumbling window (ADR 0024).
 *
 * A window of `span` hops used to be `span` overlapping window objects, so a probe row of the
 * day-long tier (24 h hopping by 2 h) cost 12 entity and 12 value inserts. Here a row costs:
 * - one entity upsert into the pane of its hop (probes, rejects, packets, first/last, local,
 *   evidence: additive, so a window is the sum of its panes), and
 * - one upsert into a single table of distinct (source, anchor, value) triples that stores,
 *   per triple, the newest hop it was seen in and a 32-bit mask of the hops it was seen in
 *   before that (bit j = hop newest − j), plus one entity upsert when the triple is new.
 * When the watermark passes a window's end, one linear scan of the triple table counts, per
 * entity, the triples with a bit inside the window: the same distinct count the window object
 * held. Only entities at or over the threshold are materialised (stats summed from their panes,
 * values and evidence copied) into a FanoutWindow that closeFanout then judges exactly as before.
 *
 * Equivalence with the per-window objects: the engine drops rows older than the watermark, so
 * a row never belongs to a window already closed; the 32-hop mask covers any row the engine
 * accepts (its time slices span far less). Saturation: a pane stops adding new triples for an
 * entity at `maxDistinct` distinct values in its hop, so a window's count is min(true, cap) as
 * before; evidence is sampled per pane (hot once the pane alone reaches hotAt).
 */
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { FanoutWindow, type FanoutIngestOptions, type FanoutSpec } from './fanout';

const COLD_SAMPLES = 1;
const POOL = 32;

export class SlidingFanout {
  /** how many hops a window spans */
  readonly span: number;
  private readonly panes = new Map<number, FanoutWindow>();
  private readonly pool: FanoutWindow[] = [];
  /** windows materialised by the last advance(): their state is read by evidence thunks until release() */
  private readonly closed: FanoutWindow[] = [];
  private readonly closedPool: FanoutWindow[] = [];
  /** distinct (source, anchor, value) triples of every open window */
  private readonly vals: KeyIndex;
  private newest = new Int32Array(256);
  private bits = new Int32Array(256);
  private ent = new Int32Array(256);
  /** (source, anchor) entities of the triples; ids index `counts` */
  private readonly ents: KeyIndex;
  /** live triples per entity across the open hops: an upper bound of any window's count, for evidence hotness */
  private entCount = new Int32Array(64);
  private counts = new Int32Array(256);
  private slot = new Int32Array(256);
  /** every window whose end hop is below this is closed */
  private nextEnd = -Infinity;
  private minPane = Infinity;
  private maxPane = -Infinity;
  private curHop = NaN;
  private cur: FanoutWindow | null = null;

  constructor(
    readonly size: number,
    readonly hop: number,
    private readonly make: () => FanoutWindow,
    maxEntries: number,
  ) {
    if (!(hop > 0) || size % hop !== 0) throw new RangeError(`window size ${size} must be a multiple of its hop ${hop}`);
    if (size / hop > 31) throw new RangeError(`a sliding fan-out window spans at most 31 hops (${size} / ${hop})`);
    this.span = size / hop;
    this.vals = new KeyIndex(3, 256, maxEntries);
    this.ents = new KeyIndex(2, 64, maxEntries);
  }

  get stateSize(): number {
    return this.vals.size;
  }

  get openCount(): number {
    return this.panes.size;
  }

  ingest(p: PreparedBatch, spec: FanoutSpec, o: FanoutIngestOptions, onEvict: () => void): void {
    const b = p.batch;
    const rows = p.rows;
    const flags = p.flags;
    const mask = o.probeMask;
    const hotAt = o.hotAt;
    const cap = o.maxDistinct;
    const hopSec = this.hop;
    const vals = this.vals;
    for (let k = p.from; k < p.to; k++) {
      const i = rows[k] as number;
      const f = flags[i] as number;
      if ((f & mask) === 0 || (f & (RowFlag.RESPONSE | RowFlag.CLOSING)) !== 0) continue;
      if ((f & (RowFlag.TCP | RowFlag.UDP)) === 0 || (f & RowFlag.DST_NON_UNICAST) !== 0) continue;
      const start = b.start[i] as number;
      const h = (start - (start % hopSec)) / hopSec;
      // every window holding this hop is closed (the engine's lateness rule makes this unreachable)
      if (h + this.span < this.nextEnd) continue;
      const w = h === this.curHop ? (this.cur as FanoutWindow) : this.pane(h);
      const src = p.srcIp[i] as number;
      const anchor = spec.anchor(p, i);
      const e = w.entities.upsert(src, anchor);
      if (e < 0) {
        onEvict();
        continue;
      }
      const end = b.end[i] as number;
      if (w.entities.added) {
        w.ensure(w.entities.size);
        w.first[e] = start;
        w.last[e] = end;
        const g = this.ents.upsert(src, anchor);
        w.gid[e] = g;
        if (g >= 0 && this.ents.added) {
          this.entCount = ensureCapacity(this.entCount, g + 1);
          this.entCount[g] = 0;
        }
      }
      const g = w.gid[e] as number;
      if ((w.distinct[e] as number) < cap) {
        const v = vals.upsert(src, anchor, spec.value(p, i));
        if (v < 0) onEvict();
        else if (vals.added) {
          this.grow(vals.size);
          this.newest[v] = h;
          this.bits[v] = 1;
          this.ent[v] = g;
          if (g >= 0) this.entCount[g]++;
          w.distinct[e]++;
        } else if (this.mark(v, h)) w.distinct[e]++;
      }
      w.probes[e]++;
      w.packets[e] += b.packets[i] as number;
      if (f & RowFlag.REJECT) w.rejects[e]++;
      if (f & RowFlag.SRC_LOCAL) w.local[e] = 1;
      if (start < (w.first[e] as number)) w.first[e] = start;
      if (end > (w.last[e] as number)) w.last[e] = end;
      const hot = (w.distinct[e] as number) >= hotAt || (g >= 0 && (this.entCount[g] as number) >= hotAt);
      w.evidence.sample(e, p, i, hot ? w.evidence.limit : COLD_SAMPLES);
    }
  }

  /**
   * Close every window ending at or before the watermark, oldest first, handing the entities at
   * or over `threshold` distinct values to `close` as one materialised window.
   */
  advance(watermark: number, threshold: number, cap: number, close: (w: FanoutWindow, start: number, end: number) => void): void {
    if (this.panes.size === 0) return;
    const last = Math.floor(watermark / this.hop);
    if (last < this.nextEnd || last <= this.minPane) return;
    const lastEnd = Math.min(last, this.maxPane + this.span);
    for (let e = Math.max(this.nextEnd, this.minPane + 1); e <= lastEnd; e++) {
      if (this.anyPane(e - this.span, e)) this.closeWindow(e - this.span, e, threshold, cap, close);
    }
    this.nextEnd = last + 1;
    this.expire(last + 1 - this.span);
  }

  /** Recycle the windows handed out by the last advance(). */
  release(): void {
    for (const w of this.closed) {
      w.reset();
      if (this.closedPool.length < POOL) this.closedPool.push(w);
    }
    this.closed.length = 0;
  }

  private pane(h: number): FanoutWindow {
    let w = this.panes.get(h);
    if (!w) {
      w = this.pool.pop() ?? this.make();
      this.panes.set(h, w);
      if (h < this.minPane) this.minPane = h;
      if (h > this.maxPane) this.maxPane = h;
    }
    this.curHop = h;
    this.cur = w;
    return w;
  }

  private anyPane(from: number, to: number): boolean {
    for (let h = from; h < to; h++) if (this.panes.has(h)) return true;
    return false;
  }

  /** Record a sighting of triple v in hop h; true when h was not yet marked. */
  private mark(v: number, h: number): boolean {
    const d = h - (this.newest[v] as number);
    if (d > 0) {
      this.bits[v] = d >= 32 ? 1 : ((this.bits[v] as number) << d) | 1;
      this.newest[v] = h;
      return true;
    }
    if (d <= -32) return false;
    const bit = 1 << -d;
    const old = this.bits[v] as number;
    if ((old & bit) !== 0) return false;
    this.bits[v] = old | bit;
    return true;
  }

  /** The mask of bits (relative to newest hop `n`) standing for hops [from, to); 0 when none. */
  private static rangeMask(n: number, from: number, to: number): number {
    if (n < from) return 0;
    const hi = Math.min(31, n - from);
    const lo = Math.max(0, n - (to - 1));
    if (lo > hi) return 0;
    const width = hi - lo + 1;
    return (width >= 32 ? -1 : (1 << width) - 1) << lo;
  }

  private closeWindow(from: number, to: number, threshold: number, cap: number, close: (w: FanoutWindow, start: number, end: number) => void): void {
    const vals = this.vals;
    const n = vals.size;
    const ne = this.ents.size;
    this.counts = ensureCapacity(this.counts, ne);
    const counts = this.counts;
    counts.fill(0, 0, ne);
    const newest = this.newest;
    const bits = this.bits;
    const ent = this.ent;
    let firing = 0;
    for (let v = 0; v < n; v++) {
      const m = SlidingFanout.rangeMask(newest[v] as number, from, to);
      if (m !== 0 && ((bits[v] as number) & m) !== 0) {
        const g = ent[v] as number;
        if (g >= 0 && ++counts[g] === threshold) firing++;
      }
    }
    if (firing === 0) return;
    const w = this.closedPool.pop() ?? this.make();
    this.slot = ensureCapacity(this.slot, ne);
    const slot = this.slot;
    slot.fill(0, 0, ne);
    const ents = this.ents;
    for (let g = 0; g < ne; g++) {
      if ((counts[g] as number) < threshold) continue;
      const src = ents.key(g, 0);
      const anchor = ents.key(g, 1);
      const e = w.entities.upsert(src, anchor);
      if (e < 0) continue;
      slot[g] = e + 1;
      w.ensure(w.entities.size);
      w.distinct[e] = Math.min(counts[g] as number, cap);
      w.first[e] = 0xffffffff;
      w.last[e] = 0;
      for (let h = from; h < to; h++) {
        const pw = this.panes.get(h);
        const pe = pw ? pw.entities.find(src, anchor) : -1;
        if (!pw || pe < 0) continue;
        w.probes[e] += pw.probes[pe] as number;
        w.rejects[e] += pw.rejects[pe] as number;
        w.packets[e] += pw.packets[pe] as number;
        if ((pw.first[pe] as number) < (w.first[e] as number)) w.first[e] = pw.first[pe] as number;
        if ((pw.last[pe] as number) > (w.last[e] as number)) w.last[e] = pw.last[pe] as number;
        if (pw.local[pe]) w.local[e] = 1;
        w.evidence.copyFrom(pw.evidence, pe, e);
      }
    }
    // the values of the firing entities, at most `cap` each (what a saturating window remembered)
    const kept = counts;
    for (let g = 0; g < ne; g++) if ((slot[g] as number) > 0) kept[g] = 0;
    for (let v = 0; v < n; v++) {
      const g = ent[v] as number;
      const e = g >= 0 ? (slot[g] as number) - 1 : -1;
      if (e < 0 || (kept[g] as number) >= cap) continue;
      const m = SlidingFanout.rangeMask(newest[v] as number, from, to);
      if (m === 0 || ((bits[v] as number) & m) === 0) continue;
      if (w.seen.upsert(vals.key(v, 0), vals.key(v, 1), vals.key(v, 2)) >= 0) kept[g]++;
    }
    this.closed.push(w);
    close(w, from * this.hop, to * this.hop);
  }

  /** Drop panes and triples that no open window holds any more (oldest open window starts at hop `from`). */
  private expire(from: number): void {
    let min = Infinity;
    for (const [h, w] of this.panes) {
      if (h < from) {
        this.panes.delete(h);
        w.reset();
        if (this.pool.length < POOL) this.pool.push(w);
      } else if (h < min) min = h;
    }
    this.minPane = min;
    if (this.panes.size === 0) this.maxPane = -Infinity;
    this.curHop = NaN;
    this.cur = null;
    const vals = this.vals;
    const n = vals.size;
    if (n === 0) {
      if (this.panes.size === 0) this.ents.clear();
      return;
    }
    let dead = 0;
    for (let v = 0; v < n; v++) if ((this.newest[v] as number) < from) dead++;
    // compact when a quarter is dead: rehashing is linear, so amortised over the inserts it follows
    if (dead === 0 || dead * 4 < n) return;
    const keep = new Uint8Array(n);
    for (let v = 0; v < n; v++) keep[v] = (this.newest[v] as number) >= from ? 1 : 0;
    const remap = vals.compact(keep);
    const keepE = new Uint8Array(this.ents.size);
    for (let v = 0; v < n; v++) {
      const to = remap[v] as number;
      if (to < 0) continue;
      this.newest[to] = this.newest[v] as number;
      this.bits[to] = this.bits[v] as number;
      const g = this.ent[v] as number;
      this.ent[to] = g;
      if (g >= 0) keepE[g] = 1;
    }
    // entities of open panes stay too (their ids are cached in the panes)
    for (const w of this.panes.values()) for (let e = 0; e < w.entities.size; e++) if ((w.gid[e] as number) >= 0) keepE[w.gid[e] as number] = 1;
    const remapE = this.ents.compact(keepE);
    const count = this.entCount;
    count.fill(0, 0, this.ents.size);
    for (let v = 0; v < vals.size; v++) {
      const g = this.ent[v] as number;
      if (g < 0) continue;
      const to = remapE[g] as number;
      this.ent[v] = to;
      count[to]++;
    }
    for (const w of this.panes.values()) for (let e = 0; e < w.entities.size; e++) if ((w.gid[e] as number) >= 0) w.gid[e] = remapE[w.gid[e] as number] as number;
  }

  private grow(n: number): void {
    if (n <= this.newest.length) return;
    this.newest = ensureCapacity(this.newest, n);
    this.bits = ensureCapacity(this.bits, n);
    this.ent = ensureCapacity(this.ent, n);
  }
}
