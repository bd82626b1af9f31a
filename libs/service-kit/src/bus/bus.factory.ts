import { allTopics } from '@flowguard/contracts';
import { KafkaBus } from '@flowguard/kafka';
import { InProcessBus } from '@flowguard/messaging';
import type { Bus, BusLogger, BusMetrics } from '@flowguard/messaging';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';

export interface BusDeps {
  readonly metrics: BusMetrics;
  readonly logger: BusLogger;
}

/** Builds the application's Bus from config; replaceable (ServiceKitModule options) for tests. */
export type BusFactory = (config: ServiceConfig, deps: BusDeps) => Promise<Bus>;

/** The messaging port's logger interface on top of pino (message first there, fields first in pino). */
export function busLogger(logger: Logger): BusLogger {
  const log = logger.child({ component: 'bus' });
  return {
    info: (msg, ctx) => log.info(ctx ?? {}, msg),
    warn: (msg, ctx) => log.warn(ctx ?? {}, msg),
    error: (msg, ctx) => log.error(ctx ?? {}, msg),
  };
}

/**
 * In-process bus for the all-in-one; Kafka otherwise. With FLOWGUARD_PROVISION
 * the registry's topics (dead-letter topics included) are created when missing;
 * a broker that is down makes that fail the boot, which is what an operator
 * who asked for provisioning wants to see.
 */
export const defaultBusFactory: BusFactory = async (config, deps) => {
  if (config.bus.kind === 'inprocess') return new InProcessBus({ metrics: deps.metrics, logger: deps.logger });
  const bus = new KafkaBus({ ...config.bus.kafka, metrics: deps.metrics, logger: deps.logger });
  if (config.provision) {
    const r = await bus.ensureTopics(allTopics());
    deps.logger.info('kafka topics ensured', { created: r.created, existing: r.existing.length });
  }
  return bus;
};
