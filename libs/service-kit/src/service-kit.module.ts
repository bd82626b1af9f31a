import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { busLogger, defaultBusFactory, type BusFactory } from './bus/bus.factory';
import type { ServiceConfig } from './config/service-config';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { ApiTokenGuard } from './http/api-token.guard';
import { ConsumersService } from './lifecycle/consumers.service';
import { ResourcesLifecycle, STORE_HANDLE } from './lifecycle/resources.lifecycle';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService, PromBusMetrics } from './metrics/metrics.service';
import { defaultStoreFactory, type StoreFactory, type StoreHandle } from './store/store.factory';
import { ANOMALY_REPOSITORY, BUS, CLOCK, INCIDENT_REPOSITORY, LOGGER, SERVICE_CONFIG } from './tokens';

export interface ServiceKitOptions {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly metrics: MetricsService;
  /** open the store and provide the repositories (services that never touch storage skip it) */
  readonly store: boolean;
  readonly busFactory?: BusFactory;
  readonly storeFactory?: StoreFactory;
  readonly clock?: () => number;
}

/**
 * What every Flowguard Nest application shares: config, logger, metrics, the
 * Bus and the repositories behind injection tokens, health and metrics routes,
 * the API-token guard, and the graceful-shutdown sequence. Global, so service
 * modules inject its tokens without importing it (and the all-in-one composes
 * six service modules over one kit).
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(o: ServiceKitOptions): DynamicModule {
    const storeProviders: Provider[] = o.store
      ? [
          { provide: STORE_HANDLE, useFactory: () => (o.storeFactory ?? defaultStoreFactory)(o.config, o.logger) },
          { provide: ANOMALY_REPOSITORY, useFactory: (h: StoreHandle) => h.anomalies, inject: [STORE_HANDLE] },
          { provide: INCIDENT_REPOSITORY, useFactory: (h: StoreHandle) => h.incidents, inject: [STORE_HANDLE] },
        ]
      : [{ provide: STORE_HANDLE, useValue: null }];
    return {
      module: ServiceKitModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: o.config },
        { provide: LOGGER, useValue: o.logger },
        { provide: MetricsService, useValue: o.metrics },
        { provide: CLOCK, useValue: o.clock ?? Date.now },
        HealthService,
        {
          provide: BUS,
          useFactory: () => (o.busFactory ?? defaultBusFactory)(o.config, { metrics: new PromBusMetrics(o.metrics), logger: busLogger(o.logger) }),
        },
        ...storeProviders,
        ConsumersService,
        ResourcesLifecycle,
        { provide: APP_GUARD, useClass: ApiTokenGuard },
      ],
      exports: [
        SERVICE_CONFIG, LOGGER, MetricsService, CLOCK, HealthService, BUS, ConsumersService,
        ...(o.store ? [ANOMALY_REPOSITORY, INCIDENT_REPOSITORY] : []),
      ],
    };
  }
}
