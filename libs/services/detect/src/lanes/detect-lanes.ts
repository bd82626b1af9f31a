/**
 * Stage 2 of the scaled-out detect service, without any IO: one detection
 * engine per (repartition topic, partition) — a "lane". A by-src lane runs the
 * source-keyed detectors, a by-dst lane the destination-keyed ones. Because
 * every row of a source (destination) hash bucket lands on one partition, a
 * lane holds all the state of its sources (destinations), wherever it runs;
 * N instances of one consumer group therefore find exactly what one finds.
 *
 * Event time: a lane keeps the progress of each origin (flows.enriched
 * partition) from the stamps of the repartition stage. Its release point is
 * the minimum progress over the origins that are not idle, minus the allowed
 * lateness, rounded down to a tick; rows are held in a ReorderBuffer until
 * the release point passes their grain, then ingested grain by grain in a
 * canonical order, the engine's watermark following the release point. So
 * what the engine sees, and when its windows close, is a function of the
 * data, not of the order in which origins' sub-batches reached the lane.
 * Origins that sent nothing for `idleMs` stop holding the lane back; when
 * every origin of a lane is idle the lane closes its windows (see `tick`).
 */
import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, type DetectionConfig, type EngineStats } from '@flowguard/detection';
import type { Delivered } from '@flowguard/messaging';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { StampError, readStamp, type OriginStamp } from '../repartition/origin-stamp';
import type { RepartitionTopic } from '../repartition/repartition.stage';
import { ReorderBuffer, type GrainStep } from './reorder-buffer';

/**
 * Allowed lateness given to the lanes' engines: so large that `process()`
 * never moves an engine's watermark by itself; the lane moves it with
 * `advanceWatermark` from the origins' progress (DetectionEngine has no
 * "external watermark" switch; this is the documented way to get one).
 */
const EXTERNAL_WATERMARK_LATENESS = 1e12;

/** Input more than this far behind the wall clock is a replay / backfill, not live traffic (see tick). */
export const HISTORICAL_LAG_SEC = 3600;
/**
 * Rows a lane may hold waiting for slow origins; beyond it the lane stops
 * waiting for them (they are treated as idle: their older rows become late).
 * Memory beats determinism here; counted in `forcedReleases`.
 */
export const DEFAULT_MAX_BUFFERED_ROWS = 2_000_000;

export interface DetectLanesOptions {
  readonly config: DetectionConfig;
  readonly threatIntel?: ThreatIntelLookup;
  /** wall clock, epoch ms */
  readonly now: () => number;
  /** an origin (and a lane) with no input for this long is idle; 0 = never */
  readonly idleMs: number;
  /** flows.enriched partitions, expected to report before a lane's watermark moves (until they are idle) */
  readonly expectedOrigins: number;
  readonly maxBufferedRows?: number;
}

export interface LaneResult {
  readonly anomalies: AnomalyV1[];
  /** broker time of the input whose event time made the windows closable (anomalies only) */
  readonly inputTs?: number;
  readonly rows: number;
  /** rows dropped because this lane had ingested their input message already */
  readonly duplicateRows: number;
}

interface OriginMark {
  lastOffset: number;
  progress: number;
  heardAt: number;
}

class Lane {
  readonly origins = new Map<number, OriginMark>();
  lastInputAt: number;
  maxProgress = -Infinity;
  /** input since the last idle close */
  idleDue = false;
  unstamped = 0;
  badStamps = 0;
  duplicateRows = 0;
  forcedReleases = 0;

  constructor(
    readonly topic: RepartitionTopic, readonly partition: number, readonly engine: DetectionEngine,
    readonly buffer: ReorderBuffer, readonly createdAt: number,
  ) {
    this.lastInputAt = createdAt;
  }
}

export interface LaneStats {
  readonly topic: RepartitionTopic;
  readonly partition: number;
  /** the engine's watermark: every grain before it was ingested and closed (event s; -1 before the first release) */
  readonly watermark: number;
  /** rows held in the reorder buffer, waiting for slower origins */
  readonly buffered: number;
  /** times the buffer was full and slow origins stopped being waited for */
  readonly forcedReleases: number;
  readonly origins: Record<string, { lastOffset: number; progress: number; idle: boolean }>;
  /** sub-batches without an origin stamp (not from the repartition stage) */
  readonly unstamped: number;
  /** sub-batches whose stamp was malformed (analysed as unstamped) */
  readonly badStamps: number;
  readonly duplicateRows: number;
  readonly engine: EngineStats;
}

export class DetectLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly lateness: number;
  private readonly grain: number;
  private readonly maxBuffered: number;

  /** suppressions and allow list in force (replaced by {@link updateRules}); every new lane starts with them */
  private rules: Pick<DetectionConfig, 'suppressions' | 'allowList'>;

  constructor(private readonly opts: DetectLanesOptions) {
    this.rules = { suppressions: opts.config.suppressions, allowList: opts.config.allowList };
    this.lateness = opts.config.allowedLatenessSec;
    this.grain = opts.config.tickSec;
    this.maxBuffered = opts.maxBufferedRows ?? DEFAULT_MAX_BUFFERED_ROWS;
  }

  get size(): number {
    return this.lanes.size;
  }

  /** Ingest one delivered sub-batch into its lane and close what its progress makes closable. */
  ingest(topic: RepartitionTopic, d: Delivered<FlowBatch>): LaneResult {
    const now = this.opts.now();
    const lane = this.lane(topic, d.meta.partition, now);
    lane.lastInputAt = now;
    lane.idleDue = true;
    let stamp: OriginStamp | null = null;
    let bad = false;
    try {
      stamp = readStamp(d.meta.headers, d.value.length);
    } catch (e) {
      if (!(e instanceof StampError)) throw e;
      // a damaged stamp must not stop the lane: analyse the rows as unstamped (no de-duplication)
      lane.badStamps++;
      bad = true;
    }
    if (!stamp) {
      // not from the repartition stage: its own origin, no de-duplication, progress from its rows
      if (!bad) lane.unstamped++;
      const max = maxStart(d.value);
      stamp = { origin: -1 - d.meta.partition, rows: [], last: -1, progress: max, progressTs: d.meta.timestamp };
    }
    let mark = lane.origins.get(stamp.origin);
    if (!mark) {
      mark = { lastOffset: -1, progress: -Infinity, heardAt: now };
      lane.origins.set(stamp.origin, mark);
    }
    mark.heardAt = now;
    let batch = d.value;
    let dup = 0;
    if (stamp.last >= 0) {
      if (stamp.last <= mark.lastOffset) {
        dup = batch.length;
        batch = batch.select([], 0);
      } else {
        // rows of input messages this lane already has (a re-publish after a lost commit) come first
        for (const [offset, count] of stamp.rows) if (offset <= mark.lastOffset) dup += count;
        if (dup > 0) batch = batch.select(Int32Array.from({ length: batch.length - dup }, (_, i) => dup + i));
        mark.lastOffset = stamp.last;
      }
    }
    lane.duplicateRows += dup;
    if (stamp.progress > mark.progress) mark.progress = stamp.progress;
    if (stamp.progress > lane.maxProgress) lane.maxProgress = stamp.progress;
    const anomalies: AnomalyV1[] = [];
    if (batch.length > 0) {
      const firstOffset = dup > 0 ? firstOffsetAfter(stamp, dup) : (stamp.rows[0]?.[0] ?? Number(d.meta.offset));
      const late = lane.buffer.add(stamp.origin, firstOffset, batch);
      // already-released grains: the engine counts them as late (its watermark is past them)
      if (late) anomalies.push(...lane.engine.process(late));
    }
    anomalies.push(...this.advance(lane, now));
    return { anomalies, ...(anomalies.length ? { inputTs: stamp.progressTs } : {}), rows: batch.length, duplicateRows: dup };
  }

  /**
   * Periodic: move watermarks that idle origins no longer hold back, and close
   * the windows of lanes that had no input for `idleMs`:
   * - input far behind the wall clock (a replay, a backfill): close everything
   *   now (`engine.flush()`), as the single-engine service always did; rows that
   *   arrive later for those windows count as late;
   * - live input: let event time run on with the wall clock from the last
   *   input (watermark = max progress − lateness + idle seconds), so windows
   *   close when they would have with steady traffic, and the next live rows
   *   are not late.
   */
  tick(): AnomalyV1[] {
    const now = this.opts.now();
    const out: AnomalyV1[] = [];
    for (const lane of this.lanes.values()) {
      out.push(...this.advance(lane, now));
      if (this.opts.idleMs <= 0 || !lane.idleDue || now - lane.lastInputAt < this.opts.idleMs) continue;
      if (!Number.isFinite(lane.maxProgress)) continue;
      const lagSec = lane.lastInputAt / 1000 - lane.maxProgress;
      if (lagSec > HISTORICAL_LAG_SEC) {
        out.push(...this.closeAll(lane));
        lane.idleDue = false;
      } else {
        out.push(...this.releaseTo(lane, lane.maxProgress - this.lateness + Math.floor((now - lane.lastInputAt) / 1000)));
      }
    }
    return out;
  }

  /** Close every window of every lane (shutdown). */
  flushAll(): AnomalyV1[] {
    const out: AnomalyV1[] = [];
    for (const lane of this.lanes.values()) {
      out.push(...this.closeAll(lane));
      lane.idleDue = false;
    }
    return out;
  }

  /** Partitions of `topic` this process has a lane for. */
  partitions(topic: RepartitionTopic): number[] {
    return [...this.lanes.values()].filter((l) => l.topic === topic).map((l) => l.partition).sort((a, b) => a - b);
  }

  /**
   * The partition moved to another instance: close what its windows hold
   * (findings of the part seen here) and drop the lane. The new owner starts
   * from the committed offset with empty state (docs/detect-scaling.md).
   */
  release(topic: RepartitionTopic, partition: number): AnomalyV1[] {
    const key = `${topic}:${partition}`;
    const lane = this.lanes.get(key);
    if (!lane) return [];
    this.lanes.delete(key);
    return this.closeAll(lane);
  }

  stats(): LaneStats[] {
    const now = this.opts.now();
    return [...this.lanes.values()]
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map((l) => ({
        topic: l.topic,
        partition: l.partition,
        watermark: Number.isFinite(l.buffer.released) ? l.buffer.released : -1,
        buffered: l.buffer.rows,
        forcedReleases: l.forcedReleases,
        origins: Object.fromEntries([...l.origins].sort(([a], [b]) => a - b).map(([o, m]) => [
          String(o), { lastOffset: m.lastOffset, progress: Number.isFinite(m.progress) ? m.progress : -1, idle: this.isIdle(m.heardAt, now) },
        ])),
        unstamped: l.unstamped,
        badStamps: l.badStamps,
        duplicateRows: l.duplicateRows,
        engine: l.engine.stats(),
      }));
  }

  /** New suppression rules and allow list for every lane, now and later (a configuration reload). */
  updateRules(rules: Pick<DetectionConfig, 'suppressions' | 'allowList'>): void {
    this.rules = { suppressions: rules.suppressions, allowList: rules.allowList };
    for (const lane of this.lanes.values()) lane.engine.updateRules(this.rules);
  }

  private lane(topic: RepartitionTopic, partition: number, now: number): Lane {
    const key = `${topic}:${partition}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      const config: DetectionConfig = { ...this.opts.config, ...this.rules, role: topic, allowedLatenessSec: EXTERNAL_WATERMARK_LATENESS };
      const engine = new DetectionEngine(config, { ...(this.opts.threatIntel ? { threatIntel: this.opts.threatIntel } : {}), now: this.opts.now });
      lane = new Lane(topic, partition, engine, new ReorderBuffer(this.grain), now);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private isIdle(heardAt: number, now: number): boolean {
    return this.opts.idleMs > 0 && now - heardAt >= this.opts.idleMs;
  }

  /** min progress over the origins that are not idle, minus lateness; -Infinity = hold. */
  private releasePoint(lane: Lane, now: number): number {
    let min = Infinity;
    for (let o = 0; o < this.opts.expectedOrigins; o++) {
      // an expected origin that never reported holds the lane back until it counts as idle
      if (!lane.origins.has(o) && this.opts.idleMs > 0 && !this.isIdle(lane.createdAt, now)) return -Infinity;
    }
    for (const mark of lane.origins.values()) {
      if (this.isIdle(mark.heardAt, now)) continue;
      if (mark.progress < min) min = mark.progress;
    }
    return Number.isFinite(min) ? min - this.lateness : -Infinity;
  }

  private advance(lane: Lane, now: number): AnomalyV1[] {
    let point = this.releasePoint(lane, now);
    if (lane.buffer.rows > this.maxBuffered && Number.isFinite(lane.maxProgress)) {
      // slow origins have held the lane back too long for its memory: stop waiting for them
      lane.forcedReleases++;
      point = Math.max(Number.isFinite(point) ? point : -Infinity, lane.maxProgress - this.lateness);
    }
    return Number.isFinite(point) ? this.releaseTo(lane, point) : [];
  }

  /** Ingest every held grain before `point` (rounded down to a grain) in order, closing windows as it goes. */
  private releaseTo(lane: Lane, point: number): AnomalyV1[] {
    const boundary = point - (((point % this.grain) + this.grain) % this.grain);
    if (!(boundary > lane.buffer.released)) return [];
    const out = this.ingestSteps(lane, lane.buffer.release(boundary));
    out.push(...lane.engine.advanceWatermark(boundary));
    return out;
  }

  /** Everything held, then every window (idle replay, shutdown, a partition moving away). */
  private closeAll(lane: Lane): AnomalyV1[] {
    const out = this.ingestSteps(lane, lane.buffer.releaseAll());
    out.push(...lane.engine.flush());
    // rows for what the flush closed are late from now on: let them through to the engine, which counts them
    lane.buffer.skipTo(lane.engine.stats().watermark);
    return out;
  }

  private ingestSteps(lane: Lane, steps: GrainStep[]): AnomalyV1[] {
    const out: AnomalyV1[] = [];
    for (const step of steps) {
      out.push(...lane.engine.advanceWatermark(step.start));
      out.push(...lane.engine.process(step.batch));
      out.push(...lane.engine.advanceWatermark(step.start + this.grain));
    }
    return out;
  }
}

/** The input offset of the first row left after skipping `dup` rows. */
function firstOffsetAfter(stamp: OriginStamp, dup: number): number {
  let skipped = 0;
  for (const [offset, count] of stamp.rows) {
    if (skipped + count > dup) return offset;
    skipped += count;
  }
  return stamp.last;
}

function maxStart(batch: FlowBatch): number {
  let max = -Infinity;
  for (let i = 0; i < batch.length; i++) if ((batch.start[i] as number) > max) max = batch.start[i] as number;
  return max;
}
