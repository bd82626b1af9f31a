import { loadEnv } from '@flowguard/service-kit';
import { IsIn } from 'class-validator';

export const CLASSIFIER_PROVIDERS = ['offline'] as const;

/** Variables of the agents service (docs/services.md). */
export class AgentsEnv {
  /** which ThreatClassifier runs; 'bedrock' arrives with libs/bedrock */
  @IsIn(CLASSIFIER_PROVIDERS, { message: `must be one of ${CLASSIFIER_PROVIDERS.join(', ')} (Bedrock is not wired yet)` })
  AGENTS_CLASSIFIER: (typeof CLASSIFIER_PROVIDERS)[number] = 'offline';
}

export interface AgentsConfig {
  readonly classifier: (typeof CLASSIFIER_PROVIDERS)[number];
}

export function loadAgentsConfig(env: Record<string, string | undefined>): AgentsConfig {
  return { classifier: loadEnv(AgentsEnv, env).AGENTS_CLASSIFIER };
}
