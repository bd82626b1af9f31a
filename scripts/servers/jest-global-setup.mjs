// Jest globalSetup for jest.integration.config.js: starts the servers this run needs and
// exports their endpoints. Env vars set here reach the test workers, which Jest spawns after
// the global setup. FLOWGUARD_SERVERS=kafka,dynamodb limits the set (default: all).
// The run registers as a user of every server it starts or reuses (state.json), so the
// teardown of a concurrent run in the same checkout never stops a server this run needs.
import { LOCAL_AWS_ENV, release, up } from './lib/manager.mjs';

export default async function globalSetup() {
  const names = (process.env.FLOWGUARD_SERVERS ?? '').split(',').filter(Boolean);
  const print = (line) => process.stderr.write(`[servers] ${line}\n`);
  process.stderr.write('\n');
  const { errors, env, totalMs } = await up(names, { owner: 'jest', print, failFast: true });
  if (errors.length > 0) {
    // Jest runs no teardown when the setup throws: release (and so stop) what this run started
    await release({ print });
    throw new Error(`integration servers failed to start:\n\n${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n\n')}`);
  }
  print(`ready in ${(totalMs / 1000).toFixed(1)} s`);
  Object.assign(process.env, env);
  // the AWS SDK's default credential chain would otherwise probe ~/.aws and the instance
  // metadata endpoint; DynamoDB Local 2.x needs an alphanumeric access key id
  for (const [key, value] of Object.entries(LOCAL_AWS_ENV)) process.env[key] ??= value;
}
