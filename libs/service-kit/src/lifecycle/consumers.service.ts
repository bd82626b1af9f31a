import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { Bus, Subscription, SubscriptionHandle } from '@flowguard/messaging';
import type { Logger } from 'pino';
import { HealthService } from '../health/health.service';
import { BUS, LOGGER } from '../tokens';

/**
 * Pipeline position of a consumer. Shutdown stops consumers stage by stage in
 * this order and runs each stage's drain hooks (e.g. detect flushing its open
 * windows) before the next stage stops, so in the all-in-one what an upstream
 * stage emits while draining still reaches a running downstream consumer.
 */
export const Stage = { ingest: 0, detect: 1, agents: 2, orchestrator: 3, api: 4, platform: 5 } as const;

interface Entry {
  readonly name: string;
  readonly stage: number;
  readonly subscription: Subscription<unknown>;
  handle?: SubscriptionHandle;
  error?: string;
}

const RETRY_MS = 5000;

/**
 * Starts the services' bus subscriptions, reports them to readiness, and stops
 * them gracefully on shutdown: stop fetching, finish the in-flight batch,
 * commit, then run drain hooks. The bus itself is closed after this (see BusLifecycle).
 */
@Injectable()
export class ConsumersService implements BeforeApplicationShutdown {
  private readonly entries: Entry[] = [];
  private readonly drains: Array<{ name: string; stage: number; fn: () => Promise<void> }> = [];
  private readonly log: Logger;
  private stopping = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) logger: Logger,
    health: HealthService,
  ) {
    this.log = logger.child({ component: 'consumers' });
    health.register('consumers', async () => {
      const waiting = this.entries.filter((e) => !e.handle);
      return waiting.length
        ? { ok: false, detail: waiting.map((e) => `${e.name}: ${e.error ?? 'starting'}`).join('; ') }
        : { ok: true, detail: `${this.entries.length} running` };
    });
  }

  /**
   * Subscribe now; when the bus refuses (broker down at boot), keep the service
   * up but not ready, and retry in the background.
   */
  async start<T>(name: string, stage: number, subscription: Subscription<T>): Promise<void> {
    const entry: Entry = { name, stage, subscription: subscription as Subscription<unknown> };
    this.entries.push(entry);
    await this.tryStart(entry);
  }

  /** Run `fn` on shutdown after this stage's consumers stopped and before the next stage's stop. */
  onDrain(name: string, stage: number, fn: () => Promise<void>): void {
    this.drains.push({ name, stage, fn });
  }

  private async tryStart(entry: Entry): Promise<void> {
    if (this.stopping || entry.handle) return;
    try {
      entry.handle = await this.bus.subscribe(entry.subscription);
      entry.error = undefined;
      this.log.info({ consumer: entry.name, group: entry.subscription.group, topic: entry.subscription.topic.name }, 'consumer started');
    } catch (e) {
      entry.error = e instanceof Error ? e.message : String(e);
      this.log.error({ consumer: entry.name, err: e }, `consumer could not start; retrying in ${RETRY_MS} ms`);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopping) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void Promise.all(this.entries.filter((e) => !e.handle).map((e) => this.tryStart(e)));
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const stages = [...new Set([...this.entries.map((e) => e.stage), ...this.drains.map((d) => d.stage)])].sort((a, b) => a - b);
    this.log.info({ signal: signal ?? null, consumers: this.entries.length }, 'stopping consumers');
    for (const stage of stages) {
      await Promise.all(
        this.entries.filter((e) => e.stage === stage && e.handle).map(async (e) => {
          try {
            await e.handle?.stop();
            this.log.info({ consumer: e.name }, 'consumer stopped');
          } catch (err) {
            this.log.error({ consumer: e.name, err }, 'consumer did not stop cleanly');
          }
        }),
      );
      for (const d of this.drains.filter((x) => x.stage === stage)) {
        try {
          await d.fn();
        } catch (err) {
          this.log.error({ drain: d.name, err }, 'drain hook failed');
        }
      }
    }
  }
}
