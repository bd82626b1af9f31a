import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Consumers, Topics, type AnomalyV1, type FlowBatch, type TopicDef } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import type { AnomalyRepository } from '@flowguard/persistence';
import { ANOMALY_REPOSITORY, BUS, ConsumersService, LOGGER, MetricsService } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import type { DetectSettings } from './detect.config';
import { DETECT_LANES, DETECT_SETTINGS, LANES_STAGE, REPARTITION_STAGE } from './detect.tokens';
import type { DetectLanes } from './lanes/detect-lanes';
import type { RepartitionTopic } from './repartition/repartition.stage';

/** Header on published anomalies: broker time (epoch ms) of the flows.enriched message whose event time closed the window. */
export const INPUT_TS_HEADER = 'flowguard-input-ts';

const TOPIC: Record<RepartitionTopic, TopicDef<FlowBatch>> = { src: Topics.flowsBySource, dst: Topics.flowsByDestination };
/** how long the lanes must have been quiet before shutdown goes on from the repartition stage to them */
const SETTLE_QUIET_MS = 400;
const SETTLE_MAX_MS = 10_000;

/** KafkaBus.assignments, when the bus has it (the port does not require it). */
type AssignmentsOf = (group: string, topic: Pick<TopicDef<unknown>, 'name'>) => number[][];

interface Found {
  readonly anomaly: AnomalyV1;
  readonly inputTs?: number;
}

/**
 * Stage 2: flows.by-src and flows.by-dst (group flowguard-detect) → lanes
 * (one engine per partition) → anomalies (stored, then published).
 *
 * Every entry into the lanes (batches, the periodic tick, shutdown) goes
 * through one promise chain, so a flush never interleaves with a batch. The
 * engines are synchronous; only storing and publishing wait.
 *
 * When storing or publishing fails, the handler throws so the bus retries the
 * batch; the anomalies wait in `pending`, and sub-batches the lanes already
 * ingested are recognised (by origin offset, and by topic:partition:offset
 * for unstamped input) and not counted twice.
 *
 * The tick (every second) lets idle origins stop holding watermarks back,
 * closes idle lanes (DETECT_IDLE_FLUSH_MS), and on a bus that reports its
 * assignments (Kafka) releases the lanes of partitions that moved to another
 * instance: their windows are closed with what was seen here.
 */
@Injectable()
export class DetectFlowsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private pending: Found[] = [];
  private lastHandledAt = 0;
  private inFlight = 0;
  /** topic:partition:offset of recently ingested messages (insertion-ordered, bounded) */
  private readonly ingested = new Set<string>();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(ANOMALY_REPOSITORY) private readonly anomalies: AnomalyRepository,
    @Inject(DETECT_LANES) private readonly lanes: DetectLanes,
    @Inject(DETECT_SETTINGS) private readonly settings: DetectSettings,
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'detect' });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumers.onDrain('detect-settle', REPARTITION_STAGE, () => this.settle());
    this.consumers.onDrain('detect-flush', LANES_STAGE, () => this.flush('shutdown'));
    const every = this.settings.idleFlushMs > 0 ? Math.min(1000, this.settings.idleFlushMs) : 1000;
    this.timer = setInterval(() => this.tick().catch((err: unknown) => this.log.error({ err }, 'detect tick failed')), every);
    this.timer.unref();
    for (const topic of ['src', 'dst'] as const) {
      await this.consumers.start(`detect-by-${topic}`, LANES_STAGE, {
        group: Consumers.detect,
        topic: TOPIC[topic],
        handle: (batch) => this.handle(topic, batch),
      });
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async handle(topic: RepartitionTopic, batch: ReadonlyArray<Delivered<FlowBatch>>): Promise<void> {
    this.inFlight++;
    try {
      await this.serial(async () => {
        const found: Found[] = [];
        const t0 = process.hrtime.bigint();
        let rows = 0;
        let duplicates = 0;
        for (const d of batch) {
          const id = `${d.meta.topic}:${d.meta.partition}:${d.meta.offset}`;
          if (this.ingested.has(id)) continue;
          const r = this.lanes.ingest(topic, d);
          rows += r.rows;
          duplicates += r.duplicateRows;
          for (const a of r.anomalies) found.push(r.inputTs === undefined ? { anomaly: a } : { anomaly: a, inputTs: r.inputTs });
          this.remember(id);
        }
        this.metrics.histogram('flowguard_detect_batch_seconds', 'engine time per delivered batch', [], [0.001, 0.005, 0.02, 0.1, 0.5, 2])
          .observe(Number(process.hrtime.bigint() - t0) / 1e9);
        this.metrics.counter('flowguard_detect_lane_rows_total', 'rows analysed by the lanes, by role (every flow once per role)', ['role']).inc({ role: topic }, rows);
        if (duplicates) this.metrics.counter('flowguard_detect_duplicate_rows_total', 'rows a lane had already ingested (re-published input)').inc(duplicates);
        await this.emit(found, 'window');
      });
    } finally {
      this.inFlight--;
      this.lastHandledAt = Date.now();
    }
  }

  /** Close every open window now (shutdown) and emit what that finds. */
  flush(reason: 'shutdown'): Promise<void> {
    return this.serial(async () => {
      const found = this.lanes.flushAll().map((anomaly) => ({ anomaly }));
      this.log.info({ reason, anomalies: found.length, lanes: this.lanes.size }, 'windows flushed');
      await this.emit(found, reason);
    });
  }

  /** Idle origins and lanes, moved partitions; see the class comment. */
  tick(): Promise<void> {
    return this.serial(async () => {
      const found: Found[] = [];
      const assignments = (this.bus as unknown as { assignments?: AssignmentsOf }).assignments;
      if (typeof assignments === 'function') {
        for (const topic of ['src', 'dst'] as const) {
          const subs = assignments.call(this.bus, Consumers.detect, TOPIC[topic]);
          if (subs.length === 0) continue; // not subscribed (yet): nothing to compare with
          const owned = new Set(subs.flat());
          for (const p of this.lanes.partitions(topic)) {
            if (owned.has(p)) continue;
            const released = this.lanes.release(topic, p);
            this.log.info({ topic, partition: p, anomalies: released.length }, 'partition moved to another instance: lane closed and dropped');
            found.push(...released.map((anomaly) => ({ anomaly })));
          }
        }
      }
      found.push(...this.lanes.tick().map((anomaly) => ({ anomaly })));
      if (found.length) this.log.info({ anomalies: found.length }, 'windows closed by idle time');
      await this.emit(found, 'idle');
    });
  }

  /**
   * Shutdown, between the repartition stage and the lanes: wait until the lanes
   * have been quiet for a moment, so what the repartition stage published last
   * is analysed and flushed here (in-process, nothing would keep it otherwise;
   * on Kafka it would wait in the topic for the next owner).
   */
  async settle(): Promise<void> {
    const begin = Date.now();
    const deadline = begin + SETTLE_MAX_MS;
    while (Date.now() < deadline && (this.inFlight > 0 || Date.now() - Math.max(begin, this.lastHandledAt) < SETTLE_QUIET_MS)) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private remember(id: string): void {
    this.ingested.add(id);
    if (this.ingested.size > 10_000) this.ingested.delete(this.ingested.values().next().value as string);
  }

  private async emit(fresh: Found[], trigger: string): Promise<void> {
    this.pending.push(...fresh);
    if (!this.pending.length) return;
    // several updates of one anomaly: the newest wins (the store would ignore older ones anyway)
    const latest = new Map<string, Found>();
    for (const f of this.pending) {
      const prev = latest.get(f.anomaly.anomalyId);
      if (!prev || f.anomaly.updatedAt >= prev.anomaly.updatedAt) latest.set(f.anomaly.anomalyId, f);
    }
    const found = [...latest.values()];
    for (const { anomaly: a } of found) {
      await this.anomalies.upsert(a);
      this.metrics.counter('flowguard_detect_anomalies_total', 'anomalies emitted (created or updated), by detector and severity', ['detector', 'severity', 'trigger'])
        .inc({ detector: a.detector, severity: a.severity, trigger });
    }
    // one publish per input time, so each anomaly says which input closed its window
    const byTs = new Map<number | undefined, AnomalyV1[]>();
    for (const f of found) {
      const list = byTs.get(f.inputTs);
      if (list) list.push(f.anomaly);
      else byTs.set(f.inputTs, [f.anomaly]);
    }
    for (const [ts, list] of byTs) {
      await this.bus.publish(Topics.anomalies, list, ts === undefined ? undefined : { headers: { [INPUT_TS_HEADER]: String(ts) } });
    }
    this.pending = [];
    for (const { anomaly: a } of found) {
      this.log.info({ anomalyId: a.anomalyId, detector: a.detector, severity: a.severity, actor: a.actor, targets: a.targets.slice(0, 5), occurrences: a.occurrences }, 'anomaly');
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
