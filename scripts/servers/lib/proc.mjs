// Process plumbing: start a server in its own process group with its output in a log file,
// recognise it again later (pid + kernel start time, so a recycled pid is never mistaken for
// ours), measure its memory and stop exactly that group.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readSync, fstatSync } from 'node:fs';
import net from 'node:net';
import { rel } from './paths.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kernel start time of a pid in clock ticks (Linux), or null when unknown. */
export function processStartTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces and parentheses: split after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

/** True when `pid` is alive and is still the process we recorded. */
export function isSameProcess(pid, startTicks) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  if (!existsSync('/proc/self/stat')) return true; // no /proc (macOS): trust the pid
  const now = processStartTicks(pid);
  if (now === null) return false;
  // a zombie still has /proc/<pid>/stat; treat it as gone
  try {
    if (/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
  } catch {
    return false;
  }
  return startTicks == null || String(now) === String(startTicks);
}

/** Pids whose process group is `pgid` (Linux); [pgid] elsewhere. */
export function groupPids(pgid) {
  if (!existsSync('/proc/self/stat')) return [pgid];
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(entry));
    } catch {
      // process ended while we looked
    }
  }
  return pids;
}

/** Resident memory of a whole process group in MiB (Linux), or null. */
export function groupRssMiB(pgid) {
  let kib = 0;
  let seen = false;
  for (const pid of groupPids(pgid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        kib += Number(m[1]);
        seen = true;
      }
    } catch {
      // gone
    }
  }
  return seen ? Math.round(kib / 1024) : null;
}

/**
 * Start `command args` detached in a new session/process group, stdout+stderr appended to
 * `log`. Returns { pid, startTicks, exited } where `exited` resolves with the exit code if the
 * process ends (used to fail fast instead of waiting for a health timeout).
 */
export function startDetached(command, args, { cwd, env, log }) {
  const fd = openSync(log, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const exited = new Promise((resolve) => {
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  child.unref();
  return { pid: child.pid, startTicks: child.pid ? processStartTicks(child.pid) : null, exited };
}

/** SIGTERM the process group, wait up to `graceMs`, then SIGKILL what is left. */
export async function stopGroup(pgid, startTicks, graceMs = 15000) {
  if (!isSameProcess(pgid, startTicks)) return 'not running';
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // group already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupPids(pgid).length === 0 && !isSameProcess(pgid, startTicks)) return 'stopped';
    await sleep(100);
  }
  signal('SIGKILL');
  await sleep(200);
  return 'killed after timeout';
}

/** Resolves true when something accepts TCP connections on host:port. */
export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The pid listening on a TCP port, if `ss` can tell us (for clearer "port in use" errors). */
export function portOwner(port) {
  const res = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(res.stdout ?? '');
  return m ? `${m[1]} pid ${m[2]}` : null;
}

/** Last `lines` lines of a log file, for error messages. */
export function tail(file, lines = 20) {
  if (!existsSync(file)) return '(no log yet)';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
  } finally {
    closeSync(fd);
  }
}

/** Error naming the log file and quoting its tail, so a failed start is diagnosable from CI output. */
export function serverError(name, what, log) {
  return new Error(`${name}: ${what}\n  log: ${rel(log)}\n  last lines:\n${tail(log, 15).replace(/^/gm, '    ')}`);
}

/** Run a command to completion, output appended to `log`; rejects with the log tail on failure. */
export function runLogged(name, command, args, { cwd, env, log, timeoutMs, what }) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    let child;
    try {
      child = spawn(command, args, { cwd, env, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(serverError(name, `${what} timed out after ${Math.round(timeoutMs / 1000)} s`, log));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(serverError(name, `${what} could not start ${command}: ${err.message}`, log));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(serverError(name, `${what} failed (${command} exit code ${code})`, log));
    });
  });
}
