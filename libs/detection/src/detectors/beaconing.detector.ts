/**
 * beaconing (+ strobe): per (source, destination, port, protocol) pair, the
 * start of every new session is a beat. A record continues a session when it
 * has the source port of a recent session (TCP), or also arrives within
 * sessionGapSec (UDP/other). At each evaluation tick, pairs with new beats are
 * scored over the lookback (beacon-score.ts). Pairs with a strobe's rate of
 * sessions are reported as strobes and not beacon-scored (RITA). Keyed by source.
 */
import { Mark } from '@flowguard/contracts';
import type { BeaconingConfig, StrobeConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { KeyIndex, compactColumn, ensureCapacity } from '../state/key-index';
import { scoreBeacon } from './beacon-score';
import type { C2Pairs } from './c2-pairs';
import { type Candidate, type Detector, type EngineContext, clamp01, raiseSeverity, ratioConfidence, signal } from './detector';

// module-level copies: the contracts barrel re-exports through getters
const MARK_HEALTH_CHECK = Mark.HEALTH_CHECK;


/** beat record layout in a pair's ring: start, end, bytes, packets, srcPort */
const STRIDE = 5;
/** beats kept inline per pair before it earns a ring */
const PRE = 16;
/**
 * Share of the inline intervals within ±onBeatTolerance of their median for a pair to earn a ring.
 * Poisson traffic has about 21% there (p ≈ 0.004 of reaching 50% in 15 intervals); a beacon with
 * ±20% jitter has all, one missing a quarter of its beats about 75%.
 */
const SCREEN_SHARE = 0.5;
const RECENT = 4;
const TCP_REUSE_GAP = 3600;
/** ports where a regular heartbeat is the protocol's normal behaviour of web clients; anything else is T1571 */
const STANDARD_PORTS = new Set([80, 443, 53, 8080, 8443, 123]);
const WEB_PORTS = new Set([80, 443, 8080, 8443]);

class Ring {
  data: Float64Array;
  head = 0;
  count = 0;
  constructor(private readonly max: number) {
    this.data = new Float64Array(4 * STRIDE);
  }
  get cap(): number {
    return this.data.length / STRIDE;
  }
  push(start: number, end: number, bytes: number, packets: number, sport: number): number {
    if (this.count === this.cap && this.cap < this.max) {
      // grow, unrolling the ring (plain loops: no subarray views)
      const next = new Float64Array(Math.min(this.max, this.cap * 2) * STRIDE);
      const d = this.data;
      for (let k = 0; k < this.count; k++) {
        const from = this.slot(k) * STRIDE;
        const to = k * STRIDE;
        for (let x = 0; x < STRIDE; x++) next[to + x] = d[from + x] as number;
      }
      this.data = next;
      this.head = 0;
    }
    let s: number;
    if (this.count < this.cap) s = (this.head + this.count++) % this.cap;
    else {
      s = this.head;
      this.head = (this.head + 1) % this.cap;
    }
    const o = s * STRIDE;
    this.data[o] = start;
    this.data[o + 1] = end;
    this.data[o + 2] = bytes;
    this.data[o + 3] = packets;
    this.data[o + 4] = sport;
    return s;
  }
  /** physical slot of the k-th oldest beat */
  slot(k: number): number {
    return (this.head + k) % this.cap;
  }
}

interface PendingStrobe {
  pair: number;
  hour: number;
  count: number;
}

export class BeaconingDetector implements Detector {
  readonly id = 'beaconing' as const;
  readonly name = 'beaconing';
  readonly keying = 'src' as const;
  private readonly pairs: KeyIndex;
  private rings: (Ring | null)[] = [];
  private recentPort = new Int32Array(1024 * RECENT).fill(-1);
  private recentEnd = new Float64Array(1024 * RECENT);
  private recentSlot = new Int32Array(1024 * RECENT);
  private recentNext = new Uint8Array(1024);
  private lastSeen = new Float64Array(1024);
  private eni = new Int32Array(1024);
  private account = new Int32Array(1024);
  private dirty = new Uint8Array(1024);
  private strobeUntil = new Float64Array(1024);
  /**
   * The last PRE beats of every pair (start, bytes), inline in shared arrays: a pair gets a ring
   * of its own only once these look periodic (screen()), so the many irregular pairs of a busy
   * network cost a few hundred bytes each and no allocation.
   */
  private preTime = new Float64Array(1024 * PRE);
  private preBytes = new Float32Array(1024 * PRE);
  private beats = new Int32Array(1024);
  private screenedAt = new Int32Array(1024);
  private readonly scratch = new Float64Array(PRE);
  private strobeHour = new Float64Array(1024);
  private strobeCount = new Int32Array(1024);
  private strobePending = new Int32Array(1024);
  private pendingStrobes: PendingStrobe[] = [];
  private dirtyList: number[] = [];
  private nextTick = -Infinity;

  constructor(
    private readonly ctx: EngineContext,
    private readonly cfg: BeaconingConfig,
    private readonly strobe: StrobeConfig,
    private readonly c2: C2Pairs,
  ) {
    this.pairs = new KeyIndex(3, 4096, cfg.maxPairs);
  }

  private grow(n: number): void {
    if (n <= this.lastSeen.length) return;
    const old = this.lastSeen.length;
    this.lastSeen = ensureCapacity(this.lastSeen, n);
    this.eni = ensureCapacity(this.eni, n);
    this.account = ensureCapacity(this.account, n);
    this.dirty = ensureCapacity(this.dirty, n);
    this.strobeUntil = ensureCapacity(this.strobeUntil, n);
    this.recentNext = ensureCapacity(this.recentNext, n);
    this.preTime = ensureCapacity(this.preTime, this.lastSeen.length * PRE);
    this.preBytes = ensureCapacity(this.preBytes, this.lastSeen.length * PRE);
    this.beats = ensureCapacity(this.beats, n);
    this.screenedAt = ensureCapacity(this.screenedAt, n);
    this.strobeHour = ensureCapacity(this.strobeHour, n);
    this.strobeCount = ensureCapacity(this.strobeCount, n);
    this.strobePending = ensureCapacity(this.strobePending, n);
    this.recentPort = ensureCapacity(this.recentPort, this.lastSeen.length * RECENT);
    this.recentEnd = ensureCapacity(this.recentEnd, this.lastSeen.length * RECENT);
    this.recentSlot = ensureCapacity(this.recentSlot, this.lastSeen.length * RECENT);
    this.recentPort.fill(-1, old * RECENT);
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const gap = this.cfg.sessionGapSec;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & (RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) continue;
      // inbound connections from the internet are not our workloads calling out
      if ((f & (RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL)) === RowFlag.DST_LOCAL) continue;
      if (((b.marks[i] as number) & MARK_HEALTH_CHECK) !== 0) continue;
      const proto = b.protocol[i] as number;
      const src = p.srcIp[i] as number;
      const dst = p.dstIp[i] as number;
      const key = ((b.dstPort[i] as number) & 0xffff) | ((proto & 0xff) << 16);
      const e = this.pairs.upsert(src, dst, key);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (this.pairs.added) {
        this.grow(this.pairs.size);
        this.rings[e] = null;
        this.recentNext[e] = 0;
        this.recentPort.fill(-1, e * RECENT, e * RECENT + RECENT);
        this.eni[e] = p.eni[i] as number;
        this.account[e] = p.account[i] as number;
        this.dirty[e] = 0;
        this.strobeUntil[e] = 0;
        this.strobeHour[e] = -1;
        this.strobeCount[e] = 0;
        this.strobePending[e] = -1;
        this.beats[e] = 0;
        this.screenedAt[e] = 0;
      }
      const start = b.start[i] as number;
      const end = b.end[i] as number;
      const sport = b.srcPort[i] as number;
      const bytes = Math.max(0, b.bytes[i] as number);
      const packets = Math.max(0, b.packets[i] as number);
      if (start > (this.lastSeen[e] as number)) this.lastSeen[e] = start;
      const ring = this.rings[e] ?? null;
      // a record of a recent session (same source port) adds to that beat
      const tcp = proto === 6;
      let continued = false;
      for (let r = 0; r < RECENT; r++) {
        const o = e * RECENT + r;
        if (this.recentPort[o] !== sport) continue;
        if (start - (this.recentEnd[o] as number) <= (tcp ? TCP_REUSE_GAP : gap)) {
          const slot = this.recentSlot[o] as number;
          if (slot >= 0 && ring) {
            const d = ring.data;
            const s = slot * STRIDE;
            d[s + 2] = (d[s + 2] as number) + bytes;
            d[s + 3] = (d[s + 3] as number) + packets;
            if (end > (d[s + 1] as number)) d[s + 1] = end;
          } else if (slot < -1) {
            // an inline beat: slot -2 - k is pre index k
            const q = e * PRE + (-2 - slot);
            this.preBytes[q] = (this.preBytes[q] as number) + bytes;
          }
          if (end > (this.recentEnd[o] as number)) this.recentEnd[o] = end;
          continued = true;
        }
        break;
      }
      if (continued) continue;
      // a new session: one beat
      const n = ++this.beats[e];
      const q = (n - 1) % PRE;
      this.preTime[e * PRE + q] = start;
      this.preBytes[e * PRE + q] = bytes;
      let slot = -2 - q;
      let rg = ring;
      let promoted = false;
      // screen at 16, 24, 40, 72, ... beats: a few looks per pair, so random traffic rarely slips through by chance
      if (!rg && n >= PRE && n - (this.screenedAt[e] as number) >= Math.max(PRE / 2, (this.screenedAt[e] as number) - PRE / 2)) {
        this.screenedAt[e] = n;
        if (this.screen(e)) {
          rg = this.promote(e);
          promoted = true;
        }
      }
      if (rg) {
        if (promoted) {
          // the newest seeded beat is this one: complete what the inline copy lacked
          slot = rg.slot(rg.count - 1);
          rg.data[slot * STRIDE + 1] = end;
          rg.data[slot * STRIDE + 3] = packets;
          rg.data[slot * STRIDE + 4] = sport;
        } else {
          slot = rg.push(start, end, bytes, packets, sport);
        }
        if (!this.dirty[e] && rg.count >= this.cfg.minConnections) {
          this.dirty[e] = 1;
          this.dirtyList.push(e);
        }
      }
      const r = this.recentNext[e] as number;
      const o = e * RECENT + r;
      this.recentPort[o] = sport;
      this.recentEnd[o] = end;
      this.recentSlot[o] = slot;
      this.recentNext[e] = (r + 1) % RECENT;
      if (this.strobe.enabled) this.countStrobe(e, start);
    }
  }

  /**
   * Do the pair's last PRE beats look periodic enough to keep every beat? At least SCREEN_SHARE of
   * the intervals within ±onBeatTolerance of their median, and a median long enough to time.
   */
  private screen(e: number): boolean {
    const t = this.scratch;
    for (let k = 0; k < PRE; k++) t[k] = this.preTime[e * PRE + k] as number;
    t.sort();
    const iv = this.intervals;
    for (let k = 1; k < PRE; k++) iv[k - 1] = (t[k] as number) - (t[k - 1] as number);
    const sorted = this.sortedIntervals;
    sorted.set(iv);
    sorted.sort();
    const median = sorted[(PRE - 1) >> 1] as number;
    if (median < this.cfg.minIntervalSec) return false;
    const tol = this.cfg.onBeatTolerance * median;
    let near = 0;
    for (let k = 0; k < PRE - 1; k++) if (Math.abs((iv[k] as number) - median) <= tol) near++;
    return near / (PRE - 1) >= SCREEN_SHARE;
  }

  private readonly intervals = new Float64Array(PRE - 1);
  private readonly sortedIntervals = new Float64Array(PRE - 1);

  /** Give a pair its ring, seeded with its inline beats (bytes known; end, packets and port are not). */
  private promote(e: number): Ring {
    const rg = new Ring(this.cfg.maxBeatsPerPair);
    const n = this.beats[e] as number;
    for (let j = Math.max(0, n - PRE); j < n; j++) {
      const q = e * PRE + (j % PRE);
      const t = this.preTime[q] as number;
      rg.push(t, t, this.preBytes[q] as number, 0, -1);
    }
    // inline slots referenced by recent sessions now live in the ring
    for (let r = 0; r < RECENT; r++) {
      const o = e * RECENT + r;
      const slot = this.recentSlot[o] as number;
      if (slot < -1) {
        const k = -2 - slot;
        const age = (((n - 1) % PRE) - k + PRE) % PRE; // beats since that one
        this.recentSlot[o] = age < rg.count ? rg.slot(rg.count - 1 - age) : -1;
      }
    }
    this.rings[e] = rg;
    return rg;
  }

  /** Sessions per pair per strobe window, kept inline; a pair reaching the threshold is reported when its window closes. */
  private countStrobe(e: number, start: number): void {
    const size = this.strobe.windowSec;
    const hour = start - (start % size);
    const cur = this.strobeHour[e] as number;
    if (hour < cur) return; // a late beat of an earlier window: already counted out
    if (hour > cur) {
      const pending = this.strobePending[e] as number;
      if (pending >= 0) (this.pendingStrobes[pending] as PendingStrobe).count = this.strobeCount[e] as number;
      this.strobePending[e] = -1;
      this.strobeHour[e] = hour;
      this.strobeCount[e] = 0;
    }
    const n = ++this.strobeCount[e];
    if (n === this.strobe.minConnections) {
      this.strobePending[e] = this.pendingStrobes.length;
      this.pendingStrobes.push({ pair: e, hour, count: n });
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    if (this.pendingStrobes.length > 0) this.closeStrobes(watermark, out);
    if (!this.cfg.enabled) return;
    const every = this.cfg.evaluateEverySec;
    if (this.nextTick === -Infinity) {
      if (this.dirtyList.length === 0) return;
      let first = Infinity;
      for (const e of this.dirtyList) first = Math.min(first, this.firstBeat(e));
      this.nextTick = first - (first % every) + every;
    }
    while (this.nextTick <= watermark) {
      this.evaluate(this.nextTick, out);
      this.nextTick += every;
      if (this.dirtyList.length === 0) {
        // jump over idle ticks
        this.nextTick = -Infinity;
        break;
      }
    }
  }

  private firstBeat(e: number): number {
    const ring = this.rings[e];
    if (!ring || ring.count === 0) return Infinity;
    let m = Infinity;
    for (let k = 0; k < ring.count; k++) m = Math.min(m, ring.data[ring.slot(k) * STRIDE] as number);
    return m;
  }

  private evaluate(tick: number, out: Candidate[]): void {
    const c = this.cfg;
    const from = tick - c.lookbackSec;
    const keep: number[] = [];
    for (const e of this.dirtyList) {
      const ring = this.rings[e];
      if (!ring) {
        this.dirty[e] = 0;
        continue;
      }
      const idx: number[] = [];
      let later = false;
      for (let k = 0; k < ring.count; k++) {
        const t = ring.data[ring.slot(k) * STRIDE] as number;
        if (t >= tick) later = true;
        else if (t >= from) idx.push(ring.slot(k));
      }
      if (later) keep.push(e);
      else this.dirty[e] = 0;
      if (idx.length < c.minConnections || (this.strobeUntil[e] as number) > tick) continue;
      idx.sort((a, b) => (ring.data[a * STRIDE] as number) - (ring.data[b * STRIDE] as number));
      const times = Float64Array.from(idx, (s) => ring.data[s * STRIDE] as number);
      if ((times[times.length - 1] as number) - (times[0] as number) < c.minSpanSec) continue;
      const bytes = Float64Array.from(idx, (s) => ring.data[s * STRIDE + 2] as number);
      const sc = scoreBeacon(times, bytes, from, tick, c.weights, c.onBeatTolerance);
      if (sc.medianInterval < c.minIntervalSec) continue;
      const cvFires = sc.cvFolded <= c.maxIntervalCv;
      if (!cvFires && (sc.score < c.minScore || sc.onBeatShare < c.minOnBeatShare)) continue;
      out.push(this.describe(e, ring, idx, sc, cvFires, tick));
    }
    this.dirtyList = keep;
  }

  private describe(e: number, ring: Ring, idx: number[], sc: ReturnType<typeof scoreBeacon>, cvFires: boolean, tick: number): Candidate {
    const ctx = this.ctx;
    const c = this.cfg;
    const srcId = this.pairs.key(e, 0);
    const dstId = this.pairs.key(e, 1);
    const key = this.pairs.key(e, 2);
    const port = key & 0xffff;
    const protocol = key >> 16;
    const src = ctx.ips.str(srcId);
    const dst = ctx.ips.str(dstId);
    this.c2.mark(srcId, dstId, tick);
    const cvConf = cvFires ? 0.6 + 0.4 * (1 - sc.cvFolded / c.maxIntervalCv) : 0;
    const volume = Math.min(1, sc.beats / (2 * c.minConnections));
    const confidence = clamp01(Math.max(sc.score, cvConf) * (0.8 + 0.2 * volume));
    const veryRegular = cvFires && sc.cvFolded <= c.maxIntervalCv / 2 && sc.beats >= 2 * c.minConnections;
    // web-port polling every few minutes or slower is what update and telemetry clients do
    const webPolling = WEB_PORTS.has(port) && sc.medianInterval >= c.webPollingIntervalSec;
    const steps = webPolling ? -1 : veryRegular ? 1 : 0;
    const evidence = idx.filter((s) => (ring.data[s * STRIDE + 4] as number) >= 0).slice(-ctx.config.aggregation.maxEvidence).map((s) => {
      const o = s * STRIDE;
      return {
        ...(ctx.enis.str(this.eni[e] as number) ? { interfaceId: ctx.enis.str(this.eni[e] as number) } : {}),
        srcAddr: src, dstAddr: dst, srcPort: ring.data[o + 4] as number, dstPort: port, protocol,
        packets: ring.data[o + 3] as number, bytes: ring.data[o + 2] as number,
        start: ring.data[o] as number, end: ring.data[o + 1] as number, action: 'ACCEPT',
      };
    });
    const first = ring.data[(idx[0] as number) * STRIDE] as number;
    const last = ring.data[(idx[idx.length - 1] as number) * STRIDE + 1] as number;
    const account = ctx.accounts.str(this.account[e] as number);
    return {
      detector: this.id,
      entity: `${src}>${dst}:${port}/${protocol}`,
      windowStart: tick - c.evaluateEverySec,
      windowEnd: tick,
      firstSeen: first,
      lastSeen: last,
      severity: raiseSeverity(c.severity, steps),
      confidence,
      score: sc.score,
      magnitude: sc.beats,
      actor: src,
      targets: [dst],
      ports: [port],
      protocol,
      mitre: STANDARD_PORTS.has(port) ? ['T1071'] : ['T1071', 'T1571'],
      summary: `${src} connected to ${dst}:${port} ${sc.beats} times about every ${Math.round(sc.medianInterval)} s ` +
        `(interval CV ${(sc.cvFolded * 100).toFixed(1)}% after ${sc.missedBeats} missed beats, RITA-style score ${sc.score})`,
      signals: [
        signal('beats', sc.beats, c.minConnections),
        signal('medianIntervalSec', sc.medianInterval),
        signal('intervalCv', sc.cv),
        signal('intervalCvFolded', sc.cvFolded, c.maxIntervalCv, 'FR2.3: missed beats folded'),
        signal('missedBeats', sc.missedBeats),
        signal('score', sc.score, c.minScore, 'RITA-style: weights ts/ds/dur/hist'),
        signal('onBeatShare', sc.onBeatShare, c.minOnBeatShare, `intervals within ±${Math.round(c.onBeatTolerance * 100)}% of the median`),
        signal('tsScore', sc.ts, undefined, `Bowley skew ${sc.tsSkew.toFixed(2)}, MAD ${sc.tsMad.toFixed(2)}`),
        signal('dsScore', sc.ds, undefined, 'size regularity'),
        signal('durScore', sc.dur, undefined, 'coverage/consistency of the lookback'),
        signal('histScore', sc.hist, undefined, '24-bin histogram regularity'),
        signal('medianBytes', sc.medianBytes),
        ...(webPolling ? [signal('webPolling', 1, undefined, `web port polled every ≥ ${c.webPollingIntervalSec} s: severity lowered`)] : []),
      ],
      evidence,
      interfaceIds: ctx.enis.str(this.eni[e] as number) ? [ctx.enis.str(this.eni[e] as number)] : [],
      ...(account ? { accountId: account } : {}),
    };
  }

  private closeStrobes(watermark: number, out: Candidate[]): void {
    const s = this.strobe;
    const keep: PendingStrobe[] = [];
    for (const ps of this.pendingStrobes) {
      const end = ps.hour + s.windowSec;
      if (end > watermark) {
        keep.push(ps);
        continue;
      }
      const e = ps.pair;
      const n = (this.strobeHour[e] as number) === ps.hour ? (this.strobeCount[e] as number) : ps.count;
      if ((this.strobePending[e] as number) >= 0 && (this.strobeHour[e] as number) === ps.hour) this.strobePending[e] = -1;
      this.strobeUntil[e] = end + this.cfg.lookbackSec;
      const src = this.ctx.ips.str(this.pairs.key(e, 0));
      const dst = this.ctx.ips.str(this.pairs.key(e, 1));
      const key = this.pairs.key(e, 2);
      const port = key & 0xffff;
      const protocol = key >> 16;
      const eni = this.ctx.enis.str(this.eni[e] as number);
      out.push({
        detector: 'strobe',
        entity: `${src}>${dst}:${port}/${protocol}`,
        windowStart: ps.hour, windowEnd: end, firstSeen: ps.hour, lastSeen: end,
        severity: s.severity,
        confidence: ratioConfidence(n / s.minConnections),
        score: Math.round((n / s.minConnections) * 100) / 100,
        magnitude: n,
        actor: src, targets: [dst], ports: [port], protocol,
        mitre: ['T1071'],
        summary: `${src} opened ${n} sessions to ${dst}:${port} within ${s.windowSec} s (strobe: too frequent to score as a beacon)`,
        signals: [signal('sessions', n, s.minConnections), signal('windowSec', s.windowSec)],
        evidence: [],
        interfaceIds: eni ? [eni] : [],
      });
    }
    // pending indices shift: rebuild the per-pair references
    this.pendingStrobes = keep;
    keep.forEach((ps, idx) => {
      if ((this.strobeHour[ps.pair] as number) === ps.hour) this.strobePending[ps.pair] = idx;
    });
  }

  maintain(watermark: number): void {
    const before = watermark - this.cfg.lookbackSec;
    const n = this.pairs.size;
    if (n === 0) return;
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let e = 0; e < n; e++) {
      if ((this.lastSeen[e] as number) >= before || this.dirty[e] || (this.strobePending[e] as number) >= 0) keep[e] = 1;
      else dropped++;
    }
    // compaction rehashes the table: only worth it when a good share of it is idle
    if (dropped === 0 || (dropped < n / 10 && n < this.cfg.maxPairs * 0.9)) return;
    const remap = this.pairs.compact(keep);
    const rings: (Ring | null)[] = new Array(this.pairs.size).fill(null);
    for (let e = 0; e < n; e++) {
      const to = remap[e] as number;
      if (to < 0) continue;
      rings[to] = this.rings[e] ?? null;
      for (let r = 0; r < RECENT; r++) {
        this.recentPort[to * RECENT + r] = this.recentPort[e * RECENT + r] as number;
        this.recentEnd[to * RECENT + r] = this.recentEnd[e * RECENT + r] as number;
        this.recentSlot[to * RECENT + r] = this.recentSlot[e * RECENT + r] as number;
      }
    }
    this.rings = rings;
    for (const col of [this.lastSeen, this.eni, this.account, this.dirty, this.strobeUntil, this.recentNext, this.strobeHour, this.strobeCount, this.beats, this.screenedAt]) compactColumn(col, remap);
    for (let e = 0; e < n; e++) {
      const to = remap[e] as number;
      if (to >= 0 && to !== e) {
        this.preTime.copyWithin(to * PRE, e * PRE, e * PRE + PRE);
        this.preBytes.copyWithin(to * PRE, e * PRE, e * PRE + PRE);
      }
    }
    this.dirtyList = this.dirtyList.map((e) => remap[e] as number).filter((e) => e >= 0);
    this.pendingStrobes = this.pendingStrobes.map((ps) => ({ ...ps, pair: remap[ps.pair] as number })).filter((ps) => ps.pair >= 0);
    this.strobePending.fill(-1, 0, this.pairs.size);
    this.pendingStrobes.forEach((ps, idx) => {
      if ((this.strobeHour[ps.pair] as number) === ps.hour) this.strobePending[ps.pair] = idx;
    });
  }

  stateSize(): number {
    return this.pairs.size;
  }
}
