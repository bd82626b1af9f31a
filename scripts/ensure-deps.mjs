// Installs dependencies from the lockfile when node_modules is missing or stale, so
// `npm start` and `npm test` work as the first commands on a fresh clone.
//
// Why `npm install` and not `npm ci`: the registry this project is developed against does not
// serve every platform build of some optional native packages (e.g. DuckDB's darwin bindings at
// the pinned version), so npm leaves them out of package-lock.json and `npm ci` then refuses
// the lockfile as "out of sync". `npm install` honours the locked versions all the same.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function ensureDeps(root) {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.error('[flowguard] installing dependencies from package-lock.json ...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureDeps(join(dirname(fileURLToPath(import.meta.url)), '..'));
