/**
 * flowguard batch CLI: `npm run flowguard -- <command> ...` (scripts/flowguard.mjs).
 * Commands: simulate, eval, analyze. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli';

// A batch run's live heap is small (~35 MB) while it allocates ~1 GB of short-lived batch
// buffers and strings: with V8's default growing factor the old-generation limit stays so close
// to the live size that a full mark-compact ran every ~150-200 ms (~80 per 10 M records, ~15 %
// of the CPU with the concurrent marking threads). Letting the heap grow to ~4x its live size
// between full collections keeps findings identical and costs ~100 MB more peak RSS
// (docs/simulator-and-eval.md §5). Process-wide: the detection worker threads inherit it.
setFlagsFromString('--heap-growing-percent=300');

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
