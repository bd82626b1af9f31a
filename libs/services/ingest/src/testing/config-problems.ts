/** TEST ONLY: the problems a ConfigError of loadIngestConfig lists for `env` (fails the test when `env` is accepted). */
import { ConfigError } from '@flowguard/service-kit';
import { loadIngestConfig } from '../ingest.config';

export function configProblems(env: Record<string, string>): string[] {
  try {
    loadIngestConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}
