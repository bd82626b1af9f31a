import { openEmbeddedStore, type AnomalyRepository, type IncidentRepository } from '@flowguard/persistence';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/service-config';
import type { CheckResult } from '../health/health.service';

/** The repositories of one application plus how to check and close their backing store. */
export interface StoreHandle {
  readonly kind: string;
  readonly anomalies: AnomalyRepository;
  readonly incidents: IncidentRepository;
  health(): Promise<CheckResult>;
  close(): Promise<void>;
}

export type StoreFactory = (config: ServiceConfig, logger: Logger) => Promise<StoreHandle>;

export const defaultStoreFactory: StoreFactory = async (config, logger) => {
  if (config.store.kind === 'embedded') {
    const dir = config.store.dataDir;
    const store = await openEmbeddedStore(dir ? { dir } : {});
    logger.info({ component: 'store', dir: dir ?? null }, dir ? 'embedded store opened' : 'embedded store in memory (FLOWGUARD_DATA_DIR unset)');
    return {
      kind: 'embedded',
      anomalies: store.anomalies,
      incidents: store.incidents,
      health: async () => ({ ok: true, detail: dir ? `embedded (${dir})` : 'embedded (memory)' }),
      close: () => store.close(),
    };
  }
  throw new Error('FLOWGUARD_STORE=dynamodb: the DynamoDB adapter is not wired into the service kit yet');
};
