#!/usr/bin/env node
// `npm test`: every test of the repository. Unit tests of all projects in one Jest run,
// then integration tests against real local servers (Kafka, DynamoDB Local, OpenSearch,
// kinesalite, s3rver, moto) that the integration global setup downloads and starts.
// Prints one closing line: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps(root);
mkdirSync(join(root, 'tmp'), { recursive: true });

const only = process.argv[2]; // optional: "unit" or "integration"
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const runs = [
  { name: 'unit', args: ['-c', 'jest.config.ts'] },
  { name: 'integration', args: ['-c', 'jest.integration.config.js', '--runInBand'] },
].filter((r) => !only || r.name === only);

const totals = { passed: 0, failed: 0, skipped: 0 };
let exit = 0;
for (const run of runs) {
  const out = join(root, 'tmp', `jest-${run.name}.json`);
  console.log(`\n[flowguard] ${run.name} tests`);
  const res = spawnSync(process.execPath, [jest, ...run.args, '--json', `--outputFile=${out}`, '--ci'], {
    cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' },
  });
  if (res.status !== 0) exit = 1;
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } else {
    totals.failed += 1;
  }
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exit || (totals.failed > 0 ? 1 : 0));
