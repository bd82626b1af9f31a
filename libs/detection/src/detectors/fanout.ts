/**
 * Shared machinery of the vertical scan and horizontal sweep detectors: per
 * window, count distinct "fan-out" values (ports, or hosts) per (source, anchor)
 * entity over probe records only. Responses, payload-carrying records and
 * REJECTs of already-closed connections never count (docs/detectors.md).
 */
import type { Severity } from '@flowguard/contracts';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { type PairFilter, PairFilterBank } from '../state/pair-filter';
import { type Candidate, type EngineContext, hopOf } from './detector';
import { SlidingFanout } from './fanout-sliding';

export class FanoutWindow {
  readonly entities: KeyIndex;
  readonly seen: KeyIndex;
  distinct = new Int32Array(64);
  probes = new Int32Array(64);
  rejects = new Int32Array(64);
  packets = new Float64Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  /** 1 when a row showed the source as one of our workloads */
  local = new Uint8Array(64);
  /** as a hop pane of a SlidingFanout: the entity's id in its cross-hop table */
  gid = new Int32Array(64);
  readonly evidence: EvidenceSampler;

  constructor(maxEntries: number, maxEvidence: number) {
    this.entities = new KeyIndex(2, 64, maxEntries);
    this.seen = new KeyIndex(3, 256, maxEntries * 4);
    this.evidence = new EvidenceSampler(maxEvidence);
  }

  ensure(n: number): void {
    if (n <= this.distinct.length) return;
    this.distinct = ensureCapacity(this.distinct, n);
    this.probes = ensureCapacity(this.probes, n);
    this.rejects = ensureCapacity(this.rejects, n);
    this.packets = ensureCapacity(this.packets, n);
    this.first = ensureCapacity(this.first, n);
    this.last = ensureCapacity(this.last, n);
    this.local = ensureCapacity(this.local, n);
    this.gid = ensureCapacity(this.gid, n);
  }

  reset(): void {
    const n = this.entities.size;
    this.distinct.fill(0, 0, n);
    this.probes.fill(0, 0, n);
    this.rejects.fill(0, 0, n);
    this.packets.fill(0, 0, n);
    this.local.fill(0, 0, n);
    this.entities.clear();
    this.seen.clear();
    this.evidence.clear();
  }
}

export interface FanoutSpec {
  /** anchor of the entity for row i (destination address, or port key) */
  anchor(p: PreparedBatch, row: number): number;
  /** the value counted distinct (port key, or destination address) */
  value(p: PreparedBatch, row: number): number;
  describe(ctx: EngineContext, w: FanoutWindow, entity: number, values: number[], tier: FanoutTier, start: number, end: number): Candidate;
  /** was (src, anchor, value) an established pair, per the filter (key order differs for scans and sweeps) */
  established(f: PairFilter, src: number, anchor: number, value: number): boolean;
}

/** dst port plus protocol bit, so TCP/80 and UDP/80 count as two ports */
export const portKey = (port: number, protocol: number) => port | (protocol === 17 ? 1 << 16 : 0);
export const portOf = (key: number) => key & 0xffff;

/**
 * The pairs that exchanged payload, remembered once per engine for the port-scan and port-sweep
 * detectors (one filter lane each, see PairFilterBank): whichever of them ingests a batch slice
 * first records it, the other finds it done (with equal generation lengths they share one filter).
 */
export class EstablishedPairs {
  readonly bank = new PairFilterBank(24);
  /** PreparedBatch.seq of the slice recorded last, and the members that have asked for it since */
  private seq = -1;
  private asked = 0;
  private members = 0;

  constructor(private readonly maxPk: number, private readonly maxBpp: number) {}

  /** A member's lane: generations of at least its longest tier. Returns the member number for {@link record}. */
  join(tiers: FanoutTierSpec[]): { lane: PairFilter; member: number } {
    if (this.members >= 30) throw new RangeError('EstablishedPairs: too many members');
    return { lane: this.bank.lane(Math.max(...tiers.map((t) => t.windowSec))), member: this.members++ };
  }

  /**
   * Remember the pairs that exchanged payload: ACCEPTed requests carrying data, and answers carrying
   * data (a service that answered was reached). SYN-ACK or RST answers alone carry none (v2 cannot tell
   * them apart), UDP payload probes are attempts, not exchanges. A member asking again for the same
   * slice (a caller that does not number its slices) records it again, as a filter of its own would.
   */
  record(p: PreparedBatch, member: number): void {
    const bit = 1 << member;
    if (p.seq === this.seq && (this.asked & bit) === 0) {
      this.asked |= bit;
      return;
    }
    this.seq = p.seq;
    this.asked = bit;
    if (p.to <= p.from) return;
    const b = p.batch;
    const rows = p.rows;
    const flags = p.flags;
    const bank = this.bank;
    const maxPk = this.maxPk;
    const maxBpp = this.maxBpp;
    bank.at(b.start[rows[p.to - 1] as number] as number);
    const skip = RowFlag.PROBE | RowFlag.PROBE_PAYLOAD | RowFlag.CLOSING | RowFlag.AMBIGUOUS | RowFlag.DST_NON_UNICAST;
    for (let k = p.from; k < p.to; k++) {
      const i = rows[k] as number;
      const f = flags[i] as number;
      if ((f & skip) !== 0 || (f & RowFlag.ACCEPT) === 0 || (f & (RowFlag.TCP | RowFlag.UDP)) === 0) continue;
      if ((f & RowFlag.RESPONSE) === 0) {
        bank.add(p.srcIp[i] as number, p.dstIp[i] as number, portKey(b.dstPort[i] as number, b.protocol[i] as number));
      } else {
        const pk = b.packets[i] as number;
        if (pk > maxPk || (b.bytes[i] as number) > pk * maxBpp) {
          bank.add(p.dstIp[i] as number, p.srcIp[i] as number, portKey(b.srcPort[i] as number, b.protocol[i] as number));
        }
      }
    }
  }
}

/** The shared established-pair filters of one engine (2^24 bits = 2 MiB per filter and generation). */
export function makeEstablishedPairs(ctx: EngineContext): EstablishedPairs {
  return new EstablishedPairs(ctx.config.network.probeMaxPackets, ctx.config.network.probeMaxBytesPerPacket);
}

export interface FanoutTierSpec {
  /** fast / slow / long: named in the finding's summary and signals */
  variant: string;
  windowSec: number;
  threshold: number;
  severity: Severity;
  probeMask: number;
  /** false: the per-entity count saturates at maxDistinct (bounded state for long windows) */
  exact: boolean;
  /** tumbling instead of hopping by half a window */
  tumbling?: boolean;
  /** an explicit hop (must divide the window); default half a window */
  hopSec?: number;
}

/** One window length of a scan detector with its own threshold and severity. */
export interface FanoutTier extends FanoutTierSpec {
  /** hop panes plus one table of distinct values: a row costs one insert whatever the overlap (ADR 0024) */
  readonly windows: SlidingFanout;
  readonly maxDistinct: number;
  readonly hotAt: number;
}

/**
 * Build the tiers. Saturating tiers keep at most max(16 × threshold, maxPorts, maxTargets)
 * values per entity: enough to list what a finding reports, while a scanner touching 65,535
 * ports costs the table a few hundred entries, not 65,535, for a whole day.
 */
export function makeTiers(ctx: EngineContext, specs: FanoutTierSpec[]): FanoutTier[] {
  const c = ctx.config;
  const make = () => new FanoutWindow(c.state.maxEntriesPerTable, c.aggregation.maxEvidence);
  return specs.map((s) => ({
    ...s,
    windows: new SlidingFanout(s.windowSec, s.tumbling ? s.windowSec : s.hopSec ?? hopOf(s.windowSec, c.tickSec), make, c.state.maxEntriesPerTable * 4),
    maxDistinct: s.exact ? Infinity : Math.max(16 * s.threshold, c.aggregation.maxPorts, c.aggregation.maxTargets),
    hotAt: Math.ceil(s.threshold / 2),
  }));
}

export function ingestTiers(p: PreparedBatch, tiers: FanoutTier[], spec: FanoutSpec, pairs: EstablishedPairs, member: number, onEvict: () => void): void {
  pairs.record(p, member);
  for (const t of tiers) t.windows.ingest(p, spec, t, onEvict);
}

export function advanceTiers(ctx: EngineContext, tiers: FanoutTier[], spec: FanoutSpec, filter: PairFilter, watermark: number, out: Candidate[]): void {
  for (const t of tiers) t.windows.advance(watermark, t.threshold, t.maxDistinct, (w, s, e) => closeFanout(ctx, w, spec, t, filter, s, e, out));
}

export function releaseTiers(tiers: FanoutTier[]): void {
  for (const t of tiers) t.windows.release();
}

export function tierStateSize(tiers: FanoutTier[]): number {
  let n = 0;
  for (const t of tiers) n += t.windows.stateSize;
  return n;
}

export interface FanoutIngestOptions {
  /** distinct values at which an entity starts keeping full evidence */
  hotAt: number;
  /** row kinds that count: RowFlag.PROBE, optionally | RowFlag.PROBE_PAYLOAD */
  probeMask: number;
  /**
   * Stop remembering new values for an entity once it has this many (long windows): its count
   * saturates ("at least cap"), so one huge scanner cannot fill a day-long table. Infinity = exact.
   */
  maxDistinct: number;
}

/** Close a window: entities at or over threshold become candidates. */
export function closeFanout(
  ctx: EngineContext, w: FanoutWindow, spec: FanoutSpec, tier: FanoutTier, filter: PairFilter, start: number, end: number, out: Candidate[],
): void {
  const threshold = tier.threshold;
  const n = w.entities.size;
  let firing: Map<number, number[]> | null = null;
  for (let e = 0; e < n; e++) {
    if ((w.distinct[e] as number) >= threshold) (firing ??= new Map()).set(e, []);
  }
  if (!firing) return;
  // collect the distinct values of firing entities from the seen set
  const seen = w.seen;
  for (let s = 0; s < seen.size; s++) {
    const e = w.entities.find(seen.key(s, 0), seen.key(s, 1));
    const list = firing.get(e);
    if (list && !spec.established(filter, seen.key(s, 0), seen.key(s, 1), seen.key(s, 2))) list.push(seen.key(s, 2));
  }
  for (const [e, values] of firing) {
    // only never-established pairs are probes: drop the values the source exchanged payload with
    const all = w.distinct[e] as number;
    const remembered = Math.min(all, tier.maxDistinct);
    const distinct = all - (remembered - values.length);
    if (distinct < threshold) continue;
    w.distinct[e] = distinct;
    out.push(spec.describe(ctx, w, e, values, tier, start, end));
  }
}

/** Severity steps for scans: our own workloads scanning matter more than internet background noise. */
export function scanSeverityStep(actorLocal: boolean): number {
  return actorLocal ? 0 : -1;
}
