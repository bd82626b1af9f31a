import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Consumers, Topics, type AnomalyV1, type FlowBatch } from '@flowguard/contracts';
import type { DetectionEngine } from '@flowguard/detection';
import type { Bus, Delivered } from '@flowguard/messaging';
import type { AnomalyRepository } from '@flowguard/persistence';
import { ANOMALY_REPOSITORY, BUS, ConsumersService, LOGGER, MetricsService, Stage } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import type { DetectSettings } from './detect.config';

export const DETECTION_ENGINE = Symbol.for('flowguard.DetectionEngine');
export const DETECT_SETTINGS = Symbol.for('flowguard.DetectSettings');

/**
 * flows.enriched → DetectionEngine → anomalies (stored, then published).
 *
 * The engine is stateful and synchronous; every entry into it (batches, idle
 * flush, shutdown flush) goes through one promise chain so a flush never
 * interleaves with a batch. Anomalies are stored before they are published, so
 * whoever reads the topic can look the anomaly up; both happen before the bus
 * commits the batch (at-least-once; the store upserts by anomalyId).
 *
 * When storing or publishing fails, the handler throws so the bus retries the
 * batch; the anomalies wait in `pending`, and messages the engine already
 * ingested (known by partition and offset) are not fed to it twice, so a retry
 * re-emits without double-counting packets or connections.
 */
@Injectable()
export class DetectFlowsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private chain: Promise<unknown> = Promise.resolve();
  private lastBatchAt = 0;
  private pendingIdleFlush = false;
  private timer?: NodeJS.Timeout;
  private pending: AnomalyV1[] = [];
  /** partition:offset of recently ingested messages (insertion-ordered, bounded) */
  private readonly ingested = new Set<string>();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(ANOMALY_REPOSITORY) private readonly anomalies: AnomalyRepository,
    @Inject(DETECTION_ENGINE) private readonly engine: DetectionEngine,
    @Inject(DETECT_SETTINGS) private readonly settings: DetectSettings,
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'detect' });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumers.onDrain('detect-flush', Stage.detect, () => this.flush('shutdown'));
    if (this.settings.idleFlushMs > 0) {
      this.timer = setInterval(() => this.maybeIdleFlush(), Math.min(1000, this.settings.idleFlushMs));
      this.timer.unref();
    }
    await this.consumers.start('detect-flows', Stage.detect, {
      group: Consumers.detect,
      topic: Topics.flowsEnriched,
      handle: (batch) => this.handle(batch),
    });
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async handle(batch: ReadonlyArray<Delivered<FlowBatch>>): Promise<void> {
    await this.serial(async () => {
      const found: AnomalyV1[] = [];
      const t0 = process.hrtime.bigint();
      let records = 0;
      for (const { value, meta } of batch) {
        const id = `${meta.topic}:${meta.partition}:${meta.offset}`;
        if (this.ingested.has(id)) continue;
        records += value.length;
        found.push(...this.engine.process(value));
        this.remember(id);
      }
      this.metrics.histogram('flowguard_detect_batch_seconds', 'engine time per delivered batch', [], [0.001, 0.005, 0.02, 0.1, 0.5, 2])
        .observe(Number(process.hrtime.bigint() - t0) / 1e9);
      this.metrics.counter('flowguard_detect_records_total', 'flow records analysed').inc(records);
      this.lastBatchAt = Date.now();
      this.pendingIdleFlush = true;
      await this.emit(found, 'window');
    });
  }

  /** Close every open window now (idle input or shutdown) and emit what that finds. */
  flush(reason: 'idle' | 'shutdown'): Promise<void> {
    return this.serial(async () => {
      this.pendingIdleFlush = false;
      const found = this.engine.flush();
      if (reason === 'shutdown' || found.length) this.log.info({ reason, anomalies: found.length }, 'windows flushed');
      await this.emit(found, reason);
    });
  }

  private maybeIdleFlush(): void {
    if (!this.pendingIdleFlush || Date.now() - this.lastBatchAt < this.settings.idleFlushMs) return;
    this.flush('idle').catch((err: unknown) => {
      // the anomalies stay in the engine's aggregator snapshot; the next flush or batch re-emits updates
      this.log.error({ err }, 'idle flush failed');
      this.pendingIdleFlush = true;
    });
  }

  private remember(id: string): void {
    this.ingested.add(id);
    if (this.ingested.size > 10_000) this.ingested.delete(this.ingested.values().next().value as string);
  }

  private async emit(fresh: AnomalyV1[], trigger: string): Promise<void> {
    this.pending.push(...fresh);
    if (!this.pending.length) return;
    // several updates of one anomaly: the newest wins (the store would ignore older ones anyway)
    const latest = new Map<string, AnomalyV1>();
    for (const a of this.pending) {
      const prev = latest.get(a.anomalyId);
      if (!prev || a.updatedAt >= prev.updatedAt) latest.set(a.anomalyId, a);
    }
    const found = [...latest.values()];
    for (const a of found) {
      await this.anomalies.upsert(a);
      this.metrics.counter('flowguard_detect_anomalies_total', 'anomalies emitted (created or updated), by detector and severity', ['detector', 'severity', 'trigger'])
        .inc({ detector: a.detector, severity: a.severity, trigger });
    }
    await this.bus.publish(Topics.anomalies, found);
    this.pending = [];
    for (const a of found) {
      this.log.info({ anomalyId: a.anomalyId, detector: a.detector, severity: a.severity, actor: a.actor, targets: a.targets.slice(0, 5), occurrences: a.occurrences }, 'anomaly');
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
