/**
 * TEST ONLY: the ingest service's objects wired by hand (no Nest testing
 * module), over a recording bus, with the config read from an environment
 * like the real boot does.
 */
import { Topics, type DeadLetterV1, type FlowBatch, type TopicDef } from '@flowguard/contracts';
import type { Bus, PublishOptions } from '@flowguard/messaging';
import { ConsumersService, HealthService, MetricsService } from '@flowguard/service-kit';
import pino from 'pino';
import { IngestSinks } from '../delivery/ingest-sinks';
import { loadIngestConfig, type IngestConfig } from '../ingest.config';
import { IngestService } from '../ingest.service';
import { IngestPipeline } from '../pipeline/ingest-pipeline.service';
import { FlowStorage } from '../storage/flow-storage.service';

/** An environment with every network- or disk-touching default turned off. */
export const QUIET_ENV: Record<string, string> = {
  INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', INGEST_ASN: 'false', FLOWS_PARQUET: 'false', INGEST_RELOAD_MS: '0',
};

export interface Published {
  readonly topic: string;
  readonly message: unknown;
  readonly key?: string;
}

/** Bus double recording what was published; `fail` makes publishes reject. */
export function recordingBus() {
  const published: Published[] = [];
  const state = { fail: undefined as Error | undefined };
  const bus: Bus = {
    publish: async <T>(topic: TopicDef<T>, messages: ReadonlyArray<T>, options?: PublishOptions) => {
      if (state.fail) throw state.fail;
      for (const m of messages) published.push({ topic: topic.name, message: m, ...(options?.key ? { key: options.key } : {}) });
    },
    subscribe: async () => {
      throw new Error('not used');
    },
    health: async () => ({ ok: true }),
    close: async () => undefined,
  };
  return { bus, published, state };
}

export interface Harness {
  readonly config: IngestConfig;
  readonly svc: IngestService;
  readonly sinks: IngestSinks;
  readonly pipeline: IngestPipeline;
  readonly storage: FlowStorage;
  readonly metrics: MetricsService;
  readonly health: HealthService;
  readonly consumers: ConsumersService;
  readonly published: Published[];
  readonly state: { fail: Error | undefined };
  batches(): FlowBatch[];
  letters(): DeadLetterV1[];
  close(): Promise<void>;
}

export async function harness(env: Record<string, string> = {}, override: Partial<IngestConfig> = {}, clock: () => number = () => 1_700_000_000_000): Promise<Harness> {
  const { bus, published, state } = recordingBus();
  const config: IngestConfig = { ...loadIngestConfig({ ...QUIET_ENV, ...env }), ...override };
  const logger = pino({ level: 'silent' });
  const metrics = new MetricsService('ingest', false);
  const health = new HealthService();
  const consumers = new ConsumersService(bus, logger, health);
  const storage = new FlowStorage(config, bus, logger, clock, metrics, health, consumers);
  const pipeline = new IngestPipeline(config, bus, clock, logger, storage, health, metrics);
  await storage.onModuleInit();
  await pipeline.onModuleInit();
  const sinks = new IngestSinks(bus, metrics, pipeline, config);
  const svc = new IngestService(bus, config, clock, logger, metrics, sinks);
  return {
    config, svc, sinks, pipeline, storage, metrics, health, consumers, published, state,
    batches: () => published.filter((p) => p.topic === Topics.flowsEnriched.name).map((p) => p.message as FlowBatch),
    letters: () => published.filter((p) => p.topic.startsWith('flowguard.dlq.')).map((p) => p.message as DeadLetterV1),
    close: async () => {
      pipeline.onApplicationShutdown();
      await storage.onApplicationShutdown();
    },
  };
}
