// Jest globalTeardown: stops only the servers the global setup of this run started; servers
// that were already running (`npm run servers:up`) or given by env vars are left alone.
// FLOWGUARD_KEEP_SERVERS=1 keeps them running for a faster next run (`npm run servers:down` later).
import { down } from './lib/manager.mjs';

const STARTED_KEY = '__FLOWGUARD_SERVERS_STARTED__';

export default async function globalTeardown() {
  const started = globalThis[STARTED_KEY] ?? [];
  if (started.length === 0) return;
  const print = (line) => process.stderr.write(`[servers] ${line}\n`);
  if (process.env.FLOWGUARD_KEEP_SERVERS === '1') {
    print(`FLOWGUARD_KEEP_SERVERS=1: leaving ${started.join(', ')} running (npm run servers:down stops them)`);
    return;
  }
  await down(started, { print });
}
