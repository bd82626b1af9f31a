/**
 * State of every (source, destination, port, protocol) pair for beaconing and
 * strobes, laid out as one record of PS doubles per pair in one Float64Array:
 * a beat touches a few adjacent cache lines instead of one line in each of a
 * dozen column arrays. Pairs keep their last PRE beat times inline; only pairs
 * whose intervals look periodic get a Ring of their own (screen()).
 */
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { Ring, STRIDE } from './beacon-ring';

/** beats kept inline per pair before it earns a ring */
export const PRE = 16;
/**
 * Share of the inline intervals within ±tolerance of their median for a pair to earn a ring.
 * Poisson traffic has about 21% there (p ≈ 0.004 of reaching 50% in 15 intervals); a beacon with
 * ±20% jitter has all, one missing a quarter of its beats about 75%.
 */
const SCREEN_SHARE = 0.5;
export const RECENT = 4;
const TCP_REUSE_GAP = 3600;

// record layout (doubles)
export const F = {
  LAST_SEEN: 0, ENI: 1, ACCOUNT: 2, DIRTY: 3, STROBE_UNTIL: 4, RECENT_NEXT: 5, STROBE_HOUR: 6, STROBE_COUNT: 7,
  STROBE_PENDING: 8, BEATS: 9, SCREENED_AT: 10, R_PORT: 11, R_END: 11 + RECENT, R_SLOT: 11 + 2 * RECENT,
  PRE_TIME: 11 + 3 * RECENT, PRE_BYTES: 11 + 3 * RECENT + PRE, LAST_EVAL: 11 + 3 * RECENT + 2 * PRE, EVAL_BEATS: 12 + 3 * RECENT + 2 * PRE,
} as const;
const PS = F.EVAL_BEATS + 1;
const NO_SLOT = -1;

export interface PendingStrobe {
  pair: number;
  hour: number;
  count: number;
}

export class BeaconPairs {
  readonly index: KeyIndex;
  st = new Float64Array(1024 * PS);
  rings: (Ring | null)[] = [];
  dirtyList: number[] = [];
  pendingStrobes: PendingStrobe[] = [];
  private readonly scratch = new Float64Array(PRE);
  private readonly intervals = new Float64Array(PRE - 1);
  private readonly sortedIntervals = new Float64Array(PRE - 1);

  constructor(
    maxPairs: number,
    private readonly opts: { maxBeats: number; minConnections: number; minIntervalSec: number; tolerance: number; sessionGapSec: number; strobeWindowSec: number; strobeMin: number; strobeOn: boolean },
  ) {
    this.index = new KeyIndex(3, 4096, maxPairs);
  }

  get size(): number {
    return this.index.size;
  }

  get(e: number, field: number): number {
    return this.st[e * PS + field] as number;
  }

  set(e: number, field: number, v: number): void {
    this.st[e * PS + field] = v;
  }

  /** Pair id of (src, dst, port key), created when absent; -1 when full. */
  pair(src: number, dst: number, key: number, eni: number, account: number): number {
    const e = this.index.upsert(src, dst, key);
    if (e < 0 || !this.index.added) return e;
    if ((e + 1) * PS > this.st.length) this.st = ensureCapacity(this.st, (e + 1) * PS);
    const st = this.st;
    const o = e * PS;
    st.fill(0, o, o + PS);
    st[o + F.ENI] = eni;
    st[o + F.ACCOUNT] = account;
    st[o + F.STROBE_HOUR] = -1;
    st[o + F.STROBE_PENDING] = -1;
    for (let r = 0; r < RECENT; r++) st[o + F.R_PORT + r] = -1;
    this.rings[e] = null;
    return e;
  }

  /** One record of pair e: continues a recent session, or is a new beat. */
  observe(e: number, start: number, end: number, bytes: number, packets: number, sport: number, tcp: boolean): void {
    const st = this.st;
    const o = e * PS;
    if (start > (st[o + F.LAST_SEEN] as number)) st[o + F.LAST_SEEN] = start;
    const ring = this.rings[e] ?? null;
    for (let r = 0; r < RECENT; r++) {
      if (st[o + F.R_PORT + r] !== sport) continue;
      if (start - (st[o + F.R_END + r] as number) > (tcp ? TCP_REUSE_GAP : this.opts.sessionGapSec)) break;
      const slot = st[o + F.R_SLOT + r] as number;
      if (slot >= 0 && ring) {
        const d = ring.data;
        const s = slot * STRIDE;
        d[s + 2] = (d[s + 2] as number) + bytes;
        d[s + 3] = (d[s + 3] as number) + packets;
        if (end > (d[s + 1] as number)) d[s + 1] = end;
      } else if (slot < NO_SLOT) {
        // an inline beat: slot -2 - k is pre index k
        st[o + F.PRE_BYTES + (-2 - slot)] = (st[o + F.PRE_BYTES + (-2 - slot)] as number) + bytes;
      }
      if (end > (st[o + F.R_END + r] as number)) st[o + F.R_END + r] = end;
      return;
    }
    // a new session: one beat
    const n = (st[o + F.BEATS] as number) + 1;
    st[o + F.BEATS] = n;
    const q = (n - 1) % PRE;
    st[o + F.PRE_TIME + q] = start;
    st[o + F.PRE_BYTES + q] = bytes;
    let slot = -2 - q;
    let rg = ring;
    const screened = st[o + F.SCREENED_AT] as number;
    // screen at 16, 24, 40, 72, ... beats: a few looks per pair, so random traffic rarely slips through
    if (!rg && n >= PRE && n - screened >= Math.max(PRE / 2, screened - PRE / 2)) {
      st[o + F.SCREENED_AT] = n;
      if (this.screen(e)) {
        rg = this.promote(e);
        // the newest seeded beat is this one: complete what the inline copy lacked
        slot = rg.slot(rg.count - 1);
        rg.data[slot * STRIDE + 1] = end;
        rg.data[slot * STRIDE + 3] = packets;
        rg.data[slot * STRIDE + 4] = sport;
      }
    } else if (rg) {
      slot = rg.push(start, end, bytes, packets, sport);
    }
    if (rg && !st[o + F.DIRTY] && rg.count >= this.opts.minConnections) {
      st[o + F.DIRTY] = 1;
      this.dirtyList.push(e);
    }
    const r = st[o + F.RECENT_NEXT] as number;
    st[o + F.R_PORT + r] = sport;
    st[o + F.R_END + r] = end;
    st[o + F.R_SLOT + r] = slot;
    st[o + F.RECENT_NEXT] = (r + 1) % RECENT;
    if (this.opts.strobeOn) this.countStrobe(e, start);
  }

  /**
   * Do the pair's last PRE beats look periodic enough to keep every beat? At least SCREEN_SHARE of
   * the intervals within ±tolerance of their median, and a median long enough to time.
   */
  private screen(e: number): boolean {
    const t = this.scratch;
    const o = e * PS + F.PRE_TIME;
    for (let k = 0; k < PRE; k++) t[k] = this.st[o + k] as number;
    t.sort();
    const iv = this.intervals;
    for (let k = 1; k < PRE; k++) iv[k - 1] = (t[k] as number) - (t[k - 1] as number);
    const sorted = this.sortedIntervals;
    sorted.set(iv);
    sorted.sort();
    const median = sorted[(PRE - 1) >> 1] as number;
    if (median < this.opts.minIntervalSec) return false;
    const tol = this.opts.tolerance * median;
    let near = 0;
    for (let k = 0; k < PRE - 1; k++) if (Math.abs((iv[k] as number) - median) <= tol) near++;
    return near / (PRE - 1) >= SCREEN_SHARE;
  }

  /** Give a pair its ring, seeded with its inline beats (bytes known; end, packets and port are not). */
  private promote(e: number): Ring {
    const st = this.st;
    const o = e * PS;
    const rg = new Ring(this.opts.maxBeats);
    const n = st[o + F.BEATS] as number;
    for (let j = Math.max(0, n - PRE); j < n; j++) {
      const t = st[o + F.PRE_TIME + (j % PRE)] as number;
      rg.push(t, t, st[o + F.PRE_BYTES + (j % PRE)] as number, 0, -1);
    }
    // inline slots referenced by recent sessions now live in the ring
    for (let r = 0; r < RECENT; r++) {
      const slot = st[o + F.R_SLOT + r] as number;
      if (slot < NO_SLOT) {
        const age = (((n - 1) % PRE) - (-2 - slot) + PRE) % PRE; // beats since that one
        st[o + F.R_SLOT + r] = age < rg.count ? rg.slot(rg.count - 1 - age) : NO_SLOT;
      }
    }
    this.rings[e] = rg;
    return rg;
  }

  /** Sessions per pair per strobe window, inline; a pair reaching the threshold is reported when its window closes. */
  private countStrobe(e: number, start: number): void {
    const st = this.st;
    const o = e * PS;
    const hour = start - (start % this.opts.strobeWindowSec);
    const cur = st[o + F.STROBE_HOUR] as number;
    if (hour < cur) return; // a late beat of an earlier window: already counted out
    if (hour > cur) {
      const pending = st[o + F.STROBE_PENDING] as number;
      if (pending >= 0) (this.pendingStrobes[pending] as PendingStrobe).count = st[o + F.STROBE_COUNT] as number;
      st[o + F.STROBE_PENDING] = -1;
      st[o + F.STROBE_HOUR] = hour;
      st[o + F.STROBE_COUNT] = 0;
    }
    const n = (st[o + F.STROBE_COUNT] as number) + 1;
    st[o + F.STROBE_COUNT] = n;
    if (n === this.opts.strobeMin) {
      st[o + F.STROBE_PENDING] = this.pendingStrobes.length;
      this.pendingStrobes.push({ pair: e, hour, count: n });
    }
  }

  /** Point every pair with a pending strobe at its entry again (after the list changed). */
  reindexStrobes(): void {
    this.pendingStrobes.forEach((ps, idx) => {
      if (this.get(ps.pair, F.STROBE_HOUR) === ps.hour) this.set(ps.pair, F.STROBE_PENDING, idx);
    });
  }

  /** Drop pairs idle since before `before` (unless dirty or pending); compacts when ≥ 10% can go. */
  expire(before: number, maxPairs: number): void {
    const n = this.index.size;
    if (n === 0) return;
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let e = 0; e < n; e++) {
      if (this.get(e, F.LAST_SEEN) >= before || this.get(e, F.DIRTY) || this.get(e, F.STROBE_PENDING) >= 0) keep[e] = 1;
      else dropped++;
    }
    // compaction rehashes the table: only worth it when a good share of it is idle
    if (dropped === 0 || (dropped < n / 10 && n < maxPairs * 0.9)) return;
    const remap = this.index.compact(keep);
    const rings: (Ring | null)[] = new Array(this.index.size).fill(null);
    for (let e = 0; e < n; e++) {
      const to = remap[e] as number;
      if (to < 0) continue;
      rings[to] = this.rings[e] ?? null;
      if (to !== e) this.st.copyWithin(to * PS, e * PS, e * PS + PS);
    }
    this.rings = rings;
    this.dirtyList = this.dirtyList.map((e) => remap[e] as number).filter((e) => e >= 0);
    this.pendingStrobes = this.pendingStrobes.map((ps) => ({ ...ps, pair: remap[ps.pair] as number })).filter((ps) => ps.pair >= 0);
    for (let e = 0; e < this.index.size; e++) this.set(e, F.STROBE_PENDING, -1);
    this.reindexStrobes();
  }
}
