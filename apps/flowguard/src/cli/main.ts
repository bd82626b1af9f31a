/**
 * flowguard batch CLI: `npm run flowguard -- <command> ...` (scripts/flowguard.mjs).
 * Commands: simulate, eval, analyze. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
import { runCli } from './cli';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  now: () => performance.now(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`flowguard: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
