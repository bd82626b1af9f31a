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

/**
 * Embedded store (memory, or journal files under FLOWGUARD_DATA_DIR) for the
 * all-in-one; DynamoDB otherwise. With FLOWGUARD_PROVISION missing tables are created.
 */
export const defaultStoreFactory: StoreFactory = async (config, logger) => {
  const log = logger.child({ component: 'store' });
  if (config.store.kind === 'embedded') {
    const dir = config.store.dataDir;
    const store = await openEmbeddedStore(dir ? { dir } : {});
    log.info({ dir: dir ?? null }, dir ? 'embedded store opened' : 'embedded store in memory (FLOWGUARD_DATA_DIR unset)');
    return {
      kind: 'embedded',
      anomalies: store.anomalies,
      incidents: store.incidents,
      health: async () => ({ ok: true, detail: dir ? `embedded (${dir})` : 'embedded (memory)' }),
      close: () => store.close(),
    };
  }
  // loaded only when used: the AWS SDK costs seconds of start-up the embedded mode should not pay
  const { createDynamoClients, DynamoAnomalyRepository, DynamoIncidentRepository, ensureTables, tableNames } = await import('@flowguard/dynamodb');
  const { DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  const { region, endpoint, tablePrefix } = config.store;
  const clients = createDynamoClients({ region, ...(endpoint ? { endpoint } : {}) }, {});
  const names = tableNames(tablePrefix === undefined ? undefined : tablePrefix);
  if (config.provision) {
    const r = await ensureTables(clients.client, names);
    log.info({ created: r.created, existing: r.existing }, 'dynamodb tables ensured');
  }
  log.info({ region, endpoint: endpoint ?? 'aws', tables: names }, 'dynamodb store');
  return {
    kind: 'dynamodb',
    anomalies: new DynamoAnomalyRepository(clients.doc, { tableName: names.anomalies }),
    incidents: new DynamoIncidentRepository(clients.doc, { tableName: names.incidents }),
    // readiness: both tables exist and are usable (DescribeTable is cheap and needs only read permission)
    health: async () => {
      const states = await Promise.all(
        [names.anomalies, names.incidents].map(async (TableName) => {
          try {
            const r = await clients.client.send(new DescribeTableCommand({ TableName }));
            return `${TableName}: ${r.Table?.TableStatus ?? 'unknown'}`;
          } catch (e) {
            return `${TableName}: ${e instanceof Error ? e.name : 'error'}`;
          }
        }),
      );
      return { ok: states.every((s) => s.endsWith(': ACTIVE') || s.endsWith(': UPDATING')), detail: `dynamodb ${states.join(', ')}` };
    },
    close: async () => clients.destroy(),
  };
};
