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

export const defaultBusFactory: BusFactory = async (config, deps) => {
  if (config.bus.kind === 'inprocess') return new InProcessBus({ metrics: deps.metrics, logger: deps.logger });
  throw new Error('FLOWGUARD_BUS=kafka: the Kafka adapter is not wired into the service kit yet');
};
