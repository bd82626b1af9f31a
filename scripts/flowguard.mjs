#!/usr/bin/env node
// `npm run flowguard -- <command> ...`: runs the batch CLI (apps/flowguard/src/cli/main.ts),
// passing arguments, stdio and the exit code through unchanged.
//
// It runs a compiled build in dist/flowguard-cli, not TypeScript through ts-node: transpiling
// the CLI's ~150 modules at every start took 5-7 s, and each detection worker thread of
// `analyze` would pay it again. The build (tsc --noCheck, ~15-35 s) is made on the first run
// and again whenever one of the .ts files it was compiled from (or a tsconfig) is newer than
// it, or is gone. `--ts` (first argument) runs the sources through scripts/run-ts.sh as before;
// `--build` only builds. Type checking stays with `npm run typecheck`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'flowguard-cli');
const stamp = join(out, '.build-stamp');
const tsconfig = join(root, 'apps/flowguard/tsconfig.cli.json');
const main = join(out, 'apps/flowguard/src/cli/main.js');

/**
 * Newest mtime among the sources of the current build: every compiled file maps back to its
 * .ts (or copied .json). A file newly imported is caught through the importer, which changed.
 * Libraries outside the CLI's import graph (kafka, services ...) do not trigger a rebuild.
 */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|json)$/.test(e.name)) {
        const src = join(root, relative(out, p)).replace(/\.js$/, '.ts');
        newest = Math.max(newest, existsSync(src) ? statSync(src).mtimeMs : Infinity);
      }
    }
  };
  walk(out);
  for (const f of ['tsconfig.base.json', 'apps/flowguard/tsconfig.cli.json']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

function build() {
  process.stderr.write('flowguard: building the CLI into dist/flowguard-cli (once after source changes) ...\n');
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--noCheck', '--outDir', tmp], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write('flowguard: the build failed; run with --ts to use the sources directly\n');
    process.exit(1);
  }
  // the compiled files import @flowguard/<lib>: resolve those names inside the build
  const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
  for (const [name, [target]] of Object.entries(paths)) {
    const js = join(tmp, target.replace(/\.ts$/, '.js'));
    if (!existsSync(js)) continue;
    const dir = join(tmp, 'node_modules', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), `module.exports = require(${JSON.stringify(relative(dir, js))});\n`);
  }
  writeFileSync(join(tmp, '.build-stamp'), new Date().toISOString());
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
}

function fresh() {
  return existsSync(stamp) && existsSync(main) && statSync(stamp).mtimeMs >= newestSource();
}

const args = process.argv.slice(2);
if (args[0] === '--ts') {
  const result = spawnSync(join(root, 'scripts/run-ts.sh'), [join(root, 'apps/flowguard/src/cli/main.ts'), ...args.slice(1)], { stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`flowguard: cannot start the CLI: ${result.error.message}\n`);
    process.exit(1);
  }
  process.exit(result.status ?? (result.signal ? 128 + 1 : 1));
}
if (args[0] === '--build' || !fresh()) build();
if (args[0] !== '--build') {
  // run the compiled CLI in this process (it reads process.argv and sets process.exitCode)
  process.argv = [process.argv[0], main, ...args];
  createRequire(import.meta.url)(main);
}
