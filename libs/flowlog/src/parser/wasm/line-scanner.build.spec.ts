/**
 * The committed module (line-scanner.wasm.ts) must be what the AssemblyScript
 * source compiles to: a change to libs/flowlog/assembly/line-scanner.ts without
 * `node libs/flowlog/assembly/build.mjs` fails here, not in production.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('line-scanner.wasm.ts', () => {
  it('is up to date with libs/flowlog/assembly/line-scanner.ts', () => {
    const build = join(__dirname, '..', '..', '..', 'assembly', 'build.mjs');
    const r = spawnSync(process.execPath, [build, '--check'], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('is up to date');
    expect(r.status).toBe(0);
  }, 60_000);
});
