// Where the local servers live on disk and which loopback ports they use.
// Everything downloaded or written at run time stays under the git-ignored `.flowguard/servers/`
// of this checkout, so two clones never share data directories or state.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mkdirSync } from 'node:fs';

export const SCRIPTS_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.resolve(SCRIPTS_DIR, '..', '..');
export const HOME_DIR = path.join(REPO_ROOT, '.flowguard', 'servers');
export const LOG_DIR = path.join(HOME_DIR, 'logs');
export const STATE_FILE = path.join(HOME_DIR, 'state.json');
export const LOCK_FILE = path.join(HOME_DIR, '.lock');
export const VENV_DIR = path.join(REPO_ROOT, '.flowguard', 'venv');
export const MAVEN_DIR = path.join(SCRIPTS_DIR, 'maven');
export const CONFIG_DIR = path.join(SCRIPTS_DIR, 'config');

/** Per-server working directory, e.g. `.flowguard/servers/kafka`. */
export function serverDir(name, ...rest) {
  return path.join(HOME_DIR, name, ...rest);
}

export function logFile(name) {
  return path.join(LOG_DIR, `${name}.log`);
}

/** Path relative to the repository root, for messages a developer can paste. */
export function rel(p) {
  return path.relative(REPO_ROOT, p) || '.';
}

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

// FLOWGUARD_PORT_OFFSET shifts every port, so a second checkout (or another tool that already
// holds the default ports) can run its own set side by side.
const offset = Number.parseInt(process.env.FLOWGUARD_PORT_OFFSET ?? '0', 10) || 0;

export const PORTS = Object.freeze({
  kafka: 19092 + offset,
  kafkaController: 19093 + offset,
  dynamodb: 18000 + offset,
  opensearch: 19200 + offset,
  opensearchTransport: 19300 + offset,
  kinesis: 14567 + offset,
  s3: 14568 + offset,
  ec2: 15000 + offset,
});

export const HOST = '127.0.0.1';
