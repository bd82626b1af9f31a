#!/usr/bin/env node
// `npm run flowguard -- <command> ...`: runs the batch CLI (apps/flowguard/src/cli/main.ts)
// through scripts/run-ts.sh, passing arguments, stdio and the exit code through unchanged.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = spawnSync(join(root, 'scripts/run-ts.sh'), [join(root, 'apps/flowguard/src/cli/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
if (result.error) {
  process.stderr.write(`flowguard: cannot start the CLI: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? (result.signal ? 128 + 1 : 1));
