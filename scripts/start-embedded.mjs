#!/usr/bin/env node
// `npm start`: the whole system in one process on embedded defaults (in-process bus,
// embedded store, no external servers). Prints the URL of the dashboard page.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDeps } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureDeps(root);
const child = spawn(join(root, 'scripts', 'run-ts.sh'), [join(root, 'apps', 'flowguard', 'src', 'main.ts'), ...process.argv.slice(2)], {
  cwd: root, stdio: 'inherit', env: { FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', ...process.env },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
