import 'reflect-metadata';
import { Module, ValidationPipe, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { DestinationStream, Logger } from 'pino';
import type { BusFactory } from '../bus/bus.factory';
import { loadServiceConfig, type ServiceConfig } from '../config/service-config';
import { createLogger, PinoNestLogger } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { requestContextMiddleware } from '../http/request-context.middleware';
import { ServiceKitModule } from '../service-kit.module';
import type { StoreFactory } from '../store/store.factory';

export interface ServiceAppOptions {
  /** ingest, detect, agents, orchestrator, api, platform, or flowguard (all-in-one) */
  readonly service: string;
  /** the service modules, already registered with their own config */
  readonly modules: ReadonlyArray<Type<unknown> | DynamicModule>;
  /** whether any of the modules needs the repositories */
  readonly store: boolean;
  readonly env?: Record<string, string | undefined>;
  /** deployment defaults for the common variables, overridden by env */
  readonly defaults?: Record<string, string>;
  readonly busFactory?: BusFactory;
  readonly storeFactory?: StoreFactory;
  readonly clock?: () => number;
  /** where log lines go (tests); stdout by default */
  readonly logDestination?: DestinationStream;
  /** install SIGTERM/SIGINT handlers (default true; tests with several apps turn it off) */
  readonly shutdownHooks?: boolean;
}

export interface ServiceApp {
  readonly app: INestApplication;
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly metrics: MetricsService;
  /** the application opened the store */
  readonly usesStore: boolean;
}

/** The validation every HTTP input goes through: unknown fields are errors, types are converted. */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
}

/**
 * Create (not yet listen) one Flowguard Nest application: validated config
 * (throws ConfigError before anything starts), pino logging, the service kit,
 * strict validation, WebSockets on the same port, body limits, shutdown hooks.
 */
export async function createServiceApp(o: ServiceAppOptions): Promise<ServiceApp> {
  const config = loadServiceConfig(o.service, o.env ?? process.env, o.defaults);
  const logger = createLogger({ service: o.service, level: config.log.level, ...(o.logDestination ? { destination: o.logDestination } : {}) });
  const metrics = new MetricsService(o.service, config.metrics.defaultMetrics);

  @Module({})
  class FlowguardServiceRoot {}
  const root: DynamicModule = {
    module: FlowguardServiceRoot,
    imports: [
      ServiceKitModule.forRoot({
        config, logger, metrics, store: o.store,
        ...(o.busFactory ? { busFactory: o.busFactory } : {}),
        ...(o.storeFactory ? { storeFactory: o.storeFactory } : {}),
        ...(o.clock ? { clock: o.clock } : {}),
      }),
      ...o.modules,
    ],
  };

  const app = await NestFactory.create<NestExpressApplication>(root, {
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requestContextMiddleware(logger));
  // Firehose deliveries are JSON too, but their handler needs the raw (possibly gzipped) body and
  // larger limits: leave requests that carry the Firehose protocol header to it
  app.useBodyParser('json', {
    limit: '1mb',
    type: (req: IncomingMessage) => /^application\/([a-z0-9.+-]*\+)?json\b/i.test(req.headers['content-type'] ?? '') && !req.headers['x-amz-firehose-protocol-version'],
  });
  app.useBodyParser('text', { type: ['text/plain', 'text/csv', 'application/x-ndjson'], limit: config.http.maxBodyBytes });
  app.useGlobalPipes(strictValidationPipe());
  app.useWebSocketAdapter(new WsAdapter(app));
  if (o.shutdownHooks !== false) app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  return { app, config, logger, metrics, usesStore: o.store };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Listen on HOST:PORT and return the base URL (PORT=0 picks a free port). */
export async function listenServiceApp(s: ServiceApp): Promise<string> {
  await s.app.listen(s.config.http.port, s.config.http.host);
  const addr = s.app.getHttpServer().address() as { port: number } | string | null;
  const port = typeof addr === 'object' && addr ? addr.port : s.config.http.port;
  const host = s.config.http.host === '0.0.0.0' || s.config.http.host === '::' ? 'localhost' : s.config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!s.config.http.apiToken && !LOOPBACK.has(s.config.http.host)) {
    s.logger.warn({ host: s.config.http.host }, 'FLOWGUARD_API_TOKEN is unset and the service listens beyond loopback: the API is unauthenticated');
  }
  // both are per process: fine when one process hosts every service, a silent dead end otherwise
  if (s.config.service !== 'flowguard' && s.config.bus.kind === 'inprocess') {
    s.logger.warn('FLOWGUARD_BUS=inprocess in a single-service process: nothing it publishes reaches the other services');
  }
  if (s.config.service !== 'flowguard' && s.config.store.kind === 'embedded' && s.usesStore) {
    s.logger.warn('FLOWGUARD_STORE=embedded in a single-service process: other services do not see what this one stores');
  }
  s.logger.info({ url, bus: s.config.bus.kind, store: s.config.store.kind }, `${s.config.service} listening`);
  return url;
}
