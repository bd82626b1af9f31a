/** Routes kafkajs' own log lines to the injected BusLogger (no logging library in the adapter). */
import type { BusLogger } from '@flowguard/messaging';
import { logLevel, type logCreator } from 'kafkajs';

export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...extra } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
    const ctx = { kafkajs: namespace, ...extra };
    if (level === logLevel.ERROR) logger.error(message, ctx);
    else if (level === logLevel.WARN) logger.warn(message, ctx);
    else logger.info(message, ctx);
  };
}
