// Jest globalTeardown: this run stops using its servers. A server is stopped only when a jest
// run started it and no other live jest run uses it; servers started by `npm run servers:up`
// (or reused by it) and servers given by env vars are left alone.
// FLOWGUARD_KEEP_SERVERS=1 keeps them running for a faster next run (`npm run servers:down` later).
import { release } from './lib/manager.mjs';

export default async function globalTeardown() {
  const print = (line) => process.stderr.write(`[servers] ${line}\n`);
  await release({ keep: process.env.FLOWGUARD_KEEP_SERVERS === '1', print });
}
