// Jest globalSetup for jest.integration.config.js: starts the servers this run needs and
// exports their endpoints. Env vars set here reach the test workers, which Jest spawns after
// the global setup. FLOWGUARD_SERVERS=kafka,dynamodb limits the set (default: all).
import { LOCAL_AWS_ENV, down, up } from './lib/manager.mjs';

export const STARTED_KEY = '__FLOWGUARD_SERVERS_STARTED__';

export default async function globalSetup() {
  const names = (process.env.FLOWGUARD_SERVERS ?? '').split(',').filter(Boolean);
  const print = (line) => process.stderr.write(`[servers] ${line}\n`);
  process.stderr.write('\n');
  const { results, errors, env, totalMs } = await up(names, { owner: `jest pid ${process.pid}`, print, failFast: true });
  const started = Object.entries(results).filter(([, r]) => r.status === 'started').map(([name]) => name);
  if (errors.length > 0) {
    // Jest runs no teardown when the setup throws: stop what this setup started first
    if (started.length > 0) await down(started, { print });
    throw new Error(`integration servers failed to start:\n\n${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n')}`);
  }
  print(`ready in ${(totalMs / 1000).toFixed(1)} s`);
  Object.assign(process.env, env);
  // the AWS SDK's default credential chain would otherwise probe ~/.aws and the instance
  // metadata endpoint; DynamoDB Local 2.x needs an alphanumeric access key id
  for (const [key, value] of Object.entries(LOCAL_AWS_ENV)) process.env[key] ??= value;
  globalThis[STARTED_KEY] = started;
}
