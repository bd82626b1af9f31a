/**
 * The all-in-one composition: the six service modules in ONE Nest application
 * and one process, over the in-process bus and the embedded store by default.
 * Their routes do not collide: ingest /v1/flows*, detect /v1/detect/*, api
 * /, /v1/incidents*, /v1/anomalies*, /v1/stream, platform /v1/topics, kit
 * /health/*, /metrics.
 */
import { AgentsServiceModule } from '@flowguard/service-agents';
import { ApiServiceModule } from '@flowguard/service-api';
import { DetectServiceModule } from '@flowguard/service-detect';
import { IngestServiceModule } from '@flowguard/service-ingest';
import type { ServiceAppOptions } from '@flowguard/service-kit';
import { OrchestratorServiceModule } from '@flowguard/service-orchestrator';
import { PlatformServiceModule } from '@flowguard/service-platform';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where the shared datasets live relative to the repository (never copied into it). */
export const DATASETS_DIR = resolve(__dirname, '../../../../shared/datasets');

/** Defaults of the all-in-one; every one can be overridden by the environment. */
export function allInOneDefaults(cwd = process.cwd()): Record<string, string> {
  const roots = [cwd, ...(existsSync(DATASETS_DIR) ? [DATASETS_DIR] : [])];
  return {
    FLOWGUARD_BUS: 'inprocess',
    FLOWGUARD_STORE: 'embedded',
    FLOWGUARD_DATA_DIR: resolve(cwd, '.flowguard/data'),
    PORT: '8080',
    HOST: '127.0.0.1',
    // the console shows the URL and the sample's summary; LOG_LEVEL=info shows the JSON event log too
    LOG_LEVEL: 'warn',
    INGEST_FILE_ROOTS: roots.join(','),
    // a laptop replay ends quickly: close windows soon after input stops
    DETECT_IDLE_FLUSH_MS: '2000',
  };
}

export function allInOneOptions(
  env: Record<string, string | undefined> = process.env,
  extra: Partial<ServiceAppOptions> = {},
  defaults: Record<string, string> = allInOneDefaults(),
): ServiceAppOptions {
  return {
    service: 'flowguard',
    modules: [
      IngestServiceModule.register(env, defaults),
      DetectServiceModule.register(env, defaults),
      AgentsServiceModule.register(env),
      OrchestratorServiceModule.register(),
      ApiServiceModule.register(env, defaults),
      PlatformServiceModule.register(),
    ],
    store: true,
    env,
    defaults,
    ...extra,
  };
}
