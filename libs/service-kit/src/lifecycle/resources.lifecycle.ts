import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@flowguard/messaging';
import type { Logger } from 'pino';
import { HealthService } from '../health/health.service';
import type { StoreHandle } from '../store/store.factory';
import { BUS, LOGGER } from '../tokens';

export const STORE_HANDLE = Symbol.for('flowguard.StoreHandle');

/**
 * Registers bus and store readiness checks, and closes both last: after every
 * consumer stopped and drained (beforeApplicationShutdown) and after the HTTP
 * listener closed. Producers are flushed by the bus's close().
 */
@Injectable()
export class ResourcesLifecycle implements OnApplicationShutdown {
  private readonly log: Logger;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(STORE_HANDLE) private readonly store: StoreHandle | null,
    @Inject(LOGGER) logger: Logger,
    health: HealthService,
  ) {
    this.log = logger.child({ component: 'lifecycle' });
    health.register('bus', () => bus.health());
    if (store) health.register('store', () => store.health());
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.bus.close();
      this.log.info('bus closed');
    } catch (err) {
      this.log.error({ err }, 'bus did not close cleanly');
    }
    if (this.store) {
      try {
        await this.store.close();
        this.log.info('store closed');
      } catch (err) {
        this.log.error({ err }, 'store did not close cleanly');
      }
    }
  }
}
