// `.flowguard/servers/state.json`: which processes (or containers) this checkout started, so
// `down` stops exactly those, plus a lock so two `up`s (a shell and a jest run) never start the
// same server twice.
import { existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { HOME_DIR, LOCK_FILE, STATE_FILE, ensureDir } from './paths.mjs';
import { isSameProcess, processStartTicks, sleep } from './proc.mjs';

export function readState() {
  try {
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
    return { version: 1, servers: {}, ...state };
  } catch {
    return { version: 1, servers: {} };
  }
}

/** Atomic write (rename), so a reader never sees half a file. */
export function writeState(state) {
  ensureDir(HOME_DIR);
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, STATE_FILE);
}

/**
 * Exclusive lock across processes. A lock whose holder died is taken over. Waits up to
 * `timeoutMs` (a first `up` may spend minutes downloading).
 */
export async function withLock(fn, { timeoutMs = 30 * 60_000, onWait } = {}) {
  ensureDir(HOME_DIR);
  const me = JSON.stringify({ pid: process.pid, startTicks: processStartTicks(process.pid) });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, 'wx');
      writeFileSync(fd, me);
      closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = null;
      try {
        holder = JSON.parse(readFileSync(LOCK_FILE, 'utf8'));
      } catch {
        // being written right now, or garbage: judge it on the next round
      }
      if (holder && !isSameProcess(holder.pid, holder.startTicks)) {
        rmSync(LOCK_FILE, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_FILE} (held by pid ${holder?.pid ?? '?'})`);
      if (!told && onWait) {
        onWait(holder?.pid);
        told = true;
      }
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    if (existsSync(LOCK_FILE) && readFileSync(LOCK_FILE, 'utf8') === me) rmSync(LOCK_FILE, { force: true });
  }
}
