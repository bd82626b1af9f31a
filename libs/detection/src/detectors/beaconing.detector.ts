/**
 * beaconing (+ strobe): per (source, destination, port, protocol) pair, the
 * start of every new session is a beat (beacon-pairs.ts decides what a session
 * is). At each evaluation tick, pairs with new beats are scored over the
 * lookback (beacon-score.ts). Pairs with a strobe's rate of sessions are
 * reported as strobes and not beacon-scored (RITA). Keyed by source.
 */
import { Mark } from '@flowguard/contracts';
import type { BeaconingConfig, StrobeConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { BeaconPairs, F, type PendingStrobe } from './beacon-pairs';
import { type Ring, STRIDE } from './beacon-ring';
import { scoreBeacon } from './beacon-score';
import { type Candidate, type Detector, type EngineContext, type FlowDirection, clamp01, directionOf, raiseSeverity, ratioConfidence, round3, signal } from './detector';

// module-level copy: the contracts barrel re-exports through getters
const MARK_HEALTH_CHECK = Mark.HEALTH_CHECK;

/** ports where a regular heartbeat is the protocol's normal behaviour of web clients; anything else is T1571 */
const STANDARD_PORTS = new Set([80, 443, 53, 8080, 8443, 123]);
const WEB_PORTS = new Set([80, 443, 8080, 8443]);
/**
 * An NTP message (RFC 5905) is 48 bytes: 76 on the wire with IPv4 and UDP headers, up to 96-100 with a
 * symmetric key id and MD5/SHA-1 MAC. 120 leaves room for IP options and nothing else; NTS (RFC 8915)
 * extension fields are larger and such clients stay scored under the polling modifier.
 */
const NTP_MAX_BYTES_PER_PACKET = 120;
/** ntpd's iburst: a burst of 8 packets when a server is unreachable */
const NTP_MAX_PACKETS_PER_SESSION = 8;
interface Firing {
  e: number;
  ring: Ring;
  idx: number[];
  sc: ReturnType<typeof scoreBeacon>;
  cvFires: boolean;
  /** a scheduled poller's shape (web port at ≥ webPollingIntervalSec, NTP): the polling modifier applies */
  polling: boolean;
}

/** a pair already scored is scored again after this long (or when its beats grew by a quarter) */
const REEVALUATE_SEC = 3600;

export class BeaconingDetector implements Detector {
  readonly id = 'beaconing' as const;
  readonly name = 'beaconing';
  /** keyed by destination: a pair's rows share it, and fleets (many sources, one destination) stay in one partition */
  readonly keying = 'dst' as const;
  private readonly pairs: BeaconPairs;
  private nextTick = -Infinity;
  private readonly directions: Set<FlowDirection>;
  /** (destination, port key) → source → tick it last fired: fleets of identical beacons become one finding */
  private readonly fleets = new Map<string, Map<number, number>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly cfg: BeaconingConfig,
    private readonly strobe: StrobeConfig,
  ) {
    this.directions = new Set(cfg.directions);
    this.pairs = new BeaconPairs(cfg.maxPairs, {
      maxBeats: cfg.maxBeatsPerPair, minConnections: cfg.minConnections, minIntervalSec: cfg.minIntervalSec, tolerance: cfg.onBeatTolerance,
      sessionGapSec: cfg.sessionGapSec, strobeWindowSec: strobe.windowSec, strobeMin: strobe.minConnections, strobeOn: strobe.enabled,
    });
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const pairs = this.pairs;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & (RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) continue;
      // RITA's default: our workloads calling out; internal-to-internal schedulers are configurable
      if (!this.directions.has(directionOf(f))) continue;
      if (((b.marks[i] as number) & MARK_HEALTH_CHECK) !== 0) continue;
      const proto = b.protocol[i] as number;
      const key = ((b.dstPort[i] as number) & 0xffff) | ((proto & 0xff) << 16);
      const e = pairs.pair(p.srcIp[i] as number, p.dstIp[i] as number, key, p.eni[i] as number, p.account[i] as number);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      pairs.observe(e, b.start[i] as number, b.end[i] as number, Math.max(0, b.bytes[i] as number), Math.max(0, b.packets[i] as number), b.srcPort[i] as number, proto === 6);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    if (this.pairs.pendingStrobes.length > 0) this.closeStrobes(watermark, out);
    if (!this.cfg.enabled) return;
    const every = this.cfg.evaluateEverySec;
    if (this.nextTick === -Infinity) {
      if (this.pairs.dirtyList.length === 0) return;
      let first = Infinity;
      for (const e of this.pairs.dirtyList) first = Math.min(first, this.firstBeat(e));
      this.nextTick = first - (first % every) + every;
    }
    while (this.nextTick <= watermark) {
      this.evaluate(this.nextTick, out);
      this.nextTick += every;
      if (this.pairs.dirtyList.length === 0) {
        // jump over idle ticks
        this.nextTick = -Infinity;
        break;
      }
    }
  }

  private firstBeat(e: number): number {
    const ring = this.pairs.rings[e];
    if (!ring || ring.count === 0) return Infinity;
    let m = Infinity;
    for (let k = 0; k < ring.count; k++) m = Math.min(m, ring.data[ring.slot(k) * STRIDE] as number);
    return m;
  }

  private times = new Float64Array(64);
  private slots = new Int32Array(64);

  private evaluate(tick: number, out: Candidate[]): void {
    const c = this.cfg;
    const pairs = this.pairs;
    const from = tick - c.lookbackSec;
    const keep: number[] = [];
    const firing: Firing[] = [];
    for (const e of pairs.dirtyList) {
      const ring = pairs.rings[e];
      if (!ring) {
        pairs.set(e, F.DIRTY, 0);
        continue;
      }
      // a pair scored within the hour is scored again only when its beats grew by a quarter
      const lastEval = pairs.get(e, F.LAST_EVAL);
      const beats = pairs.get(e, F.BEATS);
      const evalBeats = pairs.get(e, F.EVAL_BEATS);
      const throttled = lastEval > 0 && tick - lastEval < REEVALUATE_SEC && beats - evalBeats < Math.max(c.minConnections, evalBeats / 4);
      // gather the lookback's beats (ring order is arrival order: nearly sorted, so insertion sort)
      if (this.times.length < ring.count) {
        this.times = new Float64Array(ring.cap);
        this.slots = new Int32Array(ring.cap);
      }
      const times = this.times;
      const slots = this.slots;
      let n = 0;
      let later = false;
      for (let k = 0; k < ring.count; k++) {
        const s = ring.slot(k);
        const t = ring.data[s * STRIDE] as number;
        if (t >= tick) {
          later = true;
          continue;
        }
        if (t < from) continue;
        let j = n++;
        while (j > 0 && (times[j - 1] as number) > t) {
          times[j] = times[j - 1] as number;
          slots[j] = slots[j - 1] as number;
          j--;
        }
        times[j] = t;
        slots[j] = s;
      }
      if (later) keep.push(e);
      else pairs.set(e, F.DIRTY, 0);
      if (throttled || n < c.minConnections || pairs.get(e, F.STROBE_UNTIL) > tick) continue;
      if ((times[n - 1] as number) - (times[0] as number) < c.minSpanSec) continue;
      pairs.set(e, F.LAST_EVAL, tick);
      pairs.set(e, F.EVAL_BEATS, beats);
      const bytes = new Float64Array(n);
      for (let k = 0; k < n; k++) bytes[k] = ring.data[(slots[k] as number) * STRIDE + 2] as number;
      const sc = scoreBeacon(times.slice(0, n), bytes, from, tick, c.weights, c.onBeatTolerance);
      if (sc.medianInterval < c.minIntervalSec) continue;
      const key = pairs.index.key(e, 2);
      if (c.timeSyncExempt && (key & 0xffff) === 123 && key >> 16 === 17 && this.ntpSized(ring, slots, n)) {
        // a time client's requests: periodic by design and carrying nothing but timestamps (ADR 0027)
        this.timeSyncSkipped++;
        continue;
      }
      const polling = this.isPolling(key & 0xffff, key >> 16, sc.medianInterval);
      // a poller is regular by construction: the CV path alone does not fire it, its score must clear
      // the threshold after the polling modifier
      const cvFires = !polling && sc.cvFolded <= c.maxIntervalCv;
      if (!cvFires && (sc.score - (polling ? c.pollingModifier : 0) < c.minScore || sc.onBeatShare < c.minOnBeatShare)) continue;
      if (polling && !this.sizeRegular(sc)) {
        this.pollerSkipped++;
        continue;
      }
      firing.push({ e, ring, idx: Array.from(slots.subarray(0, n)), sc, cvFires, polling });
    }
    pairs.dirtyList = keep;
    this.consolidate(firing, tick, out);
  }

  /** Per (destination, port): one fleet finding when enough sources beacon to it, else one finding per pair. */
  private consolidate(firing: Firing[], tick: number, out: Candidate[]): void {
    if (firing.length === 0) return;
    const groups = new Map<string, Firing[]>();
    for (const x of firing) {
      const k = `${this.pairs.index.key(x.e, 1)}:${this.pairs.index.key(x.e, 2)}`;
      const g = groups.get(k);
      if (g) g.push(x);
      else groups.set(k, [x]);
    }
    const horizon = tick - this.cfg.lookbackSec;
    for (const [k, group] of groups) {
      let mem = this.fleets.get(k);
      if (!mem) this.fleets.set(k, (mem = new Map()));
      for (const x of group) mem.set(this.pairs.index.key(x.e, 0), tick);
      for (const [src, last] of mem) if (last < horizon) mem.delete(src);
      if (mem.size >= this.cfg.fleetMinSources) {
        // RITA's prevalence: a destination many of our hosts call on one schedule is an agent unless its
        // beacons are near perfect even after the prevalence (and polling) modifiers
        const c = this.cfg;
        const strong = group.filter((x) => x.sc.score - c.prevalenceModifier - (x.polling ? c.pollingModifier : 0) >= c.minScore && x.sc.onBeatShare >= c.minOnBeatShare);
        if (strong.length > 0) out.push(this.describeFleet(strong, mem.size, tick));
      } else for (const x of group) out.push(this.describe(x.e, x.ring, x.idx, x.sc, x.cvFires, x.polling, tick));
    }
  }

  /** pairs left unscored because every session was an NTP-sized exchange on UDP 123 */
  timeSyncSkipped = 0;
  /** polling-shaped pairs set aside because their sizes vary the way telemetry does */
  pollerSkipped = 0;

  benignSkips(): Record<string, number> {
    return { 'time-sync': this.timeSyncSkipped, 'varying-poller': this.pollerSkipped };
  }

  /**
   * A poller fires only on what a scheduler does not explain: near-perfect timing *and* sizes. The
   * timing part is the score bar raised by the polling modifier; the size part (RITA's ds alone)
   * must clear that same raised bar, or perfect timing, persistence and steadiness (a scheduler's
   * shape) would carry a poller whose payloads vary by a third (update and telemetry clients).
   */
  private sizeRegular(sc: ReturnType<typeof scoreBeacon>): boolean {
    return sc.ds >= this.cfg.minScore + this.cfg.pollingModifier;
  }

  /**
   * Every beat of the lookback is an NTP exchange by size: ≤ 8 packets of ≤ 120 bytes. Beats seeded from
   * the pair's inline copy have no packet count; they are held to the bound of a whole session (8 × 120).
   */
  private ntpSized(ring: Ring, slots: Int32Array, n: number): boolean {
    for (let k = 0; k < n; k++) {
      const o = (slots[k] as number) * STRIDE;
      const known = (ring.data[o + 3] as number) > 0;
      const packets = known ? (ring.data[o + 3] as number) : NTP_MAX_PACKETS_PER_SESSION;
      if (packets > NTP_MAX_PACKETS_PER_SESSION || (ring.data[o + 2] as number) > NTP_MAX_BYTES_PER_PACKET * packets) return false;
    }
    return true;
  }

  /** web-port polling every few minutes or slower is what update and telemetry clients do; NTP clients poll by design (64 s to 17 min) */
  private isPolling(port: number, protocol: number, medianInterval: number): boolean {
    return (WEB_PORTS.has(port) && medianInterval >= this.cfg.webPollingIntervalSec) || (port === 123 && protocol === 17 && medianInterval >= 64);
  }

  private describe(e: number, ring: Ring, idx: number[], sc: ReturnType<typeof scoreBeacon>, cvFires: boolean, webPolling: boolean, tick: number): Candidate {
    const ctx = this.ctx;
    const c = this.cfg;
    const srcId = this.pairs.index.key(e, 0);
    const dstId = this.pairs.index.key(e, 1);
    const key = this.pairs.index.key(e, 2);
    const port = key & 0xffff;
    const protocol = key >> 16;
    const src = ctx.ips.str(srcId);
    const dst = ctx.ips.str(dstId);
    const cvConf = cvFires ? 0.6 + 0.4 * (1 - sc.cvFolded / c.maxIntervalCv) : 0;
    const volume = Math.min(1, sc.beats / (2 * c.minConnections));
    const confidence = clamp01(Math.max(sc.score, cvConf) * (0.8 + 0.2 * volume));
    const veryRegular = cvFires && sc.cvFolded <= c.maxIntervalCv / 2 && sc.beats >= 2 * c.minConnections;
    const steps = webPolling ? -1 : veryRegular ? 1 : 0;
    const eni = ctx.enis.str(this.pairs.get(e, F.ENI));
    // the latest sessions with full details (seeded beats have no port), read only if emitted
    const evidence = () => {
      const out = [];
      for (let k = idx.length - 1; k >= 0 && out.length < ctx.config.aggregation.maxEvidence; k--) {
        const o = (idx[k] as number) * STRIDE;
        if ((ring.data[o + 4] as number) < 0) continue;
        out.push({
          ...(eni ? { interfaceId: eni } : {}),
          srcAddr: src, dstAddr: dst, srcPort: ring.data[o + 4] as number, dstPort: port, protocol,
          packets: ring.data[o + 3] as number, bytes: ring.data[o + 2] as number,
          start: ring.data[o] as number, end: ring.data[o + 1] as number, action: 'ACCEPT',
        });
      }
      return out.reverse();
    };
    const first = ring.data[(idx[0] as number) * STRIDE] as number;
    const last = ring.data[(idx[idx.length - 1] as number) * STRIDE + 1] as number;
    const account = ctx.accounts.str(this.pairs.get(e, F.ACCOUNT));
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
        ...(webPolling ? [signal('pollingModifier', -c.pollingModifier, undefined, `${port === 123 ? 'NTP polls by design' : `web port polled every ≥ ${c.webPollingIntervalSec} s`}: fired on score − modifier = ${round3(sc.score - c.pollingModifier)} ≥ ${c.minScore}, severity lowered`)] : []),
      ],
      evidence,
      interfaceIds: eni ? [eni] : [],
      ...(account ? { accountId: account } : {}),
    };
  }

  /** Many of our workloads beaconing to one destination with the same period: a fleet agent, or a spreading infection. */
  private describeFleet(group: Firing[], sources: number, tick: number): Candidate {
    const ctx = this.ctx;
    const c = this.cfg;
    const first = group[0] as Firing;
    const dstId = this.pairs.index.key(first.e, 1);
    const key = this.pairs.index.key(first.e, 2);
    const port = key & 0xffff;
    const protocol = key >> 16;
    const dst = ctx.ips.str(dstId);
    const members = group.map((x) => ctx.ips.str(this.pairs.index.key(x.e, 0))).sort();
    const intervals = group.map((x) => x.sc.medianInterval).sort((a, b) => a - b);
    const median = intervals[(intervals.length - 1) >> 1] as number;
    const score = Math.max(...group.map((x) => x.sc.score));
    const enis = [...new Set(group.map((x) => ctx.enis.str(this.pairs.get(x.e, F.ENI))).filter((x) => x))].slice(0, 50);
    const account = ctx.accounts.str(this.pairs.get(first.e, F.ACCOUNT));
    let firstSeen = Infinity;
    let lastSeen = -Infinity;
    for (const x of group) {
      firstSeen = Math.min(firstSeen, x.ring.data[(x.idx[0] as number) * STRIDE] as number);
      lastSeen = Math.max(lastSeen, x.ring.data[(x.idx[x.idx.length - 1] as number) * STRIDE + 1] as number);
    }
    return {
      detector: this.id,
      entity: `fleet:${dst}:${port}/${protocol}`,
      windowStart: tick - c.evaluateEverySec,
      windowEnd: tick,
      firstSeen,
      lastSeen,
      // an agent on every host polls a web port; a worm's C2 rarely does
      severity: raiseSeverity(c.severity, WEB_PORTS.has(port) ? -1 : 0),
      confidence: clamp01(score * 0.8),
      score,
      magnitude: sources,
      actor: null,
      targets: [dst],
      ports: [port],
      protocol,
      mitre: STANDARD_PORTS.has(port) ? ['T1071'] : ['T1071', 'T1571'],
      summary: `${sources} of our workloads beacon to ${dst}:${port} about every ${Math.round(median)} s: a fleet agent (allow-list it) or a spreading infection`,
      signals: [
        signal('sources', sources, c.fleetMinSources, `e.g. ${members.slice(0, 8).join(', ')}`.slice(0, 200)),
        signal('medianIntervalSec', median),
        signal('score', score, c.minScore),
        signal('prevalenceModifier', -c.prevalenceModifier, undefined, `≥ ${c.fleetMinSources} of our workloads: fires only when score − modifier ≥ ${c.minScore}`),
      ],
      evidence: () => group.slice(0, ctx.config.aggregation.maxEvidence).flatMap((x) => {
        const o = (x.idx[x.idx.length - 1] as number) * STRIDE;
        const eni = ctx.enis.str(this.pairs.get(x.e, F.ENI));
        return (x.ring.data[o + 4] as number) < 0 ? [] : [{
          ...(eni ? { interfaceId: eni } : {}),
          srcAddr: ctx.ips.str(this.pairs.index.key(x.e, 0)), dstAddr: dst, srcPort: x.ring.data[o + 4] as number, dstPort: port, protocol,
          packets: x.ring.data[o + 3] as number, bytes: x.ring.data[o + 2] as number, start: x.ring.data[o] as number, end: x.ring.data[o + 1] as number, action: 'ACCEPT',
        }];
      }),
      interfaceIds: enis,
      ...(account ? { accountId: account } : {}),
    };
  }

  private closeStrobes(watermark: number, out: Candidate[]): void {
    const s = this.strobe;
    const keep: PendingStrobe[] = [];
    for (const ps of this.pairs.pendingStrobes) {
      const end = ps.hour + s.windowSec;
      if (end > watermark) {
        keep.push(ps);
        continue;
      }
      const e = ps.pair;
      const n = this.pairs.get(e, F.STROBE_HOUR) === ps.hour ? this.pairs.get(e, F.STROBE_COUNT) : ps.count;
      if (this.pairs.get(e, F.STROBE_PENDING) >= 0 && this.pairs.get(e, F.STROBE_HOUR) === ps.hour) this.pairs.set(e, F.STROBE_PENDING, -1);
      this.pairs.set(e, F.STROBE_UNTIL, end + this.cfg.lookbackSec);
      const src = this.ctx.ips.str(this.pairs.index.key(e, 0));
      const dst = this.ctx.ips.str(this.pairs.index.key(e, 1));
      const key = this.pairs.index.key(e, 2);
      const port = key & 0xffff;
      const protocol = key >> 16;
      const eni = this.ctx.enis.str(this.pairs.get(e, F.ENI));
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
    this.pairs.pendingStrobes = keep;
    this.pairs.reindexStrobes();
  }

  release(): void {
    /* no windows */
  }

  maintain(watermark: number): void {
    this.pairs.expire(watermark - this.cfg.lookbackSec, this.cfg.maxPairs);
    const horizon = watermark - this.cfg.lookbackSec;
    for (const [k, mem] of this.fleets) {
      for (const [src, last] of mem) if (last < horizon) mem.delete(src);
      if (mem.size === 0) this.fleets.delete(k);
    }
  }

  stateSize(): number {
    return this.pairs.size;
  }
}
