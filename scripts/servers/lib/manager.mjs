// up / down / status over the server catalog. Servers start in parallel; each one's result is
// printed as soon as it is ready. Policy per server, in order:
//   1. its endpoint env var is set          -> use that server, start nothing ("external")
//   2. state.json names a live process      -> reuse it once healthy ("reused")
//   3. its port answers as that server      -> someone else's; use it, never stop it ("foreign")
//   4. otherwise download if needed, start, wait for health ("started")
// Ownership: a server started or reused by the CLI belongs to the CLI (only `down` stops it). A
// server started by a jest run belongs to the jest runs using it (`users`, by pid): each run's
// teardown `release()`s it, and the last live user stops it. So two concurrent jest runs in one
// checkout never stop each other's servers.
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { selectServers } from './catalog.mjs';
import { ensureDir, LOG_DIR, logFile, rel } from './paths.mjs';
import { groupRssMiB, isSameProcess, portOpen, portOwner, processStartTicks, serverError, sleep, startDetached, stopGroup } from './proc.mjs';
import { readState, withLock, writeState } from './state.mjs';
import * as containers from './testcontainers.mjs';
import { mavenBatch } from './downloads.mjs';

const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const me = () => ({ pid: process.pid, startTicks: processStartTicks(process.pid) });
const liveUsers = (users = []) => users.filter((u) => u.pid !== process.pid && isSameProcess(u.pid, u.startTicks));

/** Credentials and region for the AWS SDK against local servers (DynamoDB Local 2.x wants an alphanumeric key id). */
export const LOCAL_AWS_ENV = Object.freeze({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'flowguardlocal', AWS_SECRET_ACCESS_KEY: 'flowguardlocal' });

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** One readiness probe, bounded in time. */
export async function probe(def, endpoint, ms = 5000) {
  try {
    await withTimeout(def.ready(endpoint), ms, `${def.name} health check`);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Polls the probe until it passes, the process exits, or `timeoutMs` passes. */
async function waitReady(def, endpoint, timeoutMs, exited) {
  const deadline = Date.now() + timeoutMs;
  let exitReason = null;
  exited?.then((reason) => {
    exitReason = reason;
  });
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exitReason) throw new Error(`process ended (${exitReason}) before it was ready; last probe: ${last}`);
    const err = await probe(def, endpoint, Math.min(10_000, Math.max(1000, deadline - Date.now())));
    if (err === null) return;
    last = err;
    await sleep(250);
  }
  throw new Error(`not healthy within ${secs(timeoutMs)}; last probe: ${last}`);
}

function rotateLog(log) {
  ensureDir(LOG_DIR);
  if (existsSync(log) && statSync(log).size > 20 * 1024 * 1024) renameSync(log, `${log}.1`);
}

/** Steps 1-3 of the policy: a result when nothing must be started, null when it must. */
async function classify(def, state, ctx) {
  const log = logFile(def.name);
  const given = process.env[def.envVar];
  if (given) {
    // not ours to start or stop; say so early when it does not answer
    const err = await probe(def, given, 3000);
    return { status: 'external', endpoint: given, note: `from ${def.envVar}${err ? `, NOT ANSWERING: ${err}` : ''}` };
  }

  const entry = state.servers[def.name];
  if (entry && (entry.containerId ? await containers.isRunning(entry.containerId) : isSameProcess(entry.pid, entry.startTicks))) {
    try {
      await waitReady(def, entry.endpoint, def.timeoutMs, null);
    } catch (err) {
      throw serverError(def.name, `is running (${entry.containerId ?? `pid ${entry.pid}`}) but ${err.message}. Stop it with: npm run servers:down -- ${def.name}`, log);
    }
    if (ctx.owner === 'cli') entry.owner = 'cli'; // whoever started it, the CLI user now wants it kept
    else entry.users = [...liveUsers(entry.users), me()];
    writeState(state);
    return { status: 'reused', endpoint: entry.endpoint, note: entry.containerId ? 'container' : `pid ${entry.pid}` };
  }
  if (entry) {
    delete state.servers[def.name];
    writeState(state);
  }

  const busy = [];
  for (const port of def.ports) if (await portOpen(port)) busy.push(port);
  if (busy.length > 0) {
    if ((await probe(def, def.endpoint)) === null) {
      return { status: 'foreign', endpoint: def.endpoint, note: `port ${busy[0]} held by ${portOwner(busy[0]) ?? 'another process'}; not started here, never stopped here` };
    }
    throw new Error(
      `${def.name}: port ${busy.join(', ')} is in use by ${portOwner(busy[0]) ?? 'another process'}, which does not answer as ${def.name}. ` +
        'Stop it, or shift every port with FLOWGUARD_PORT_OFFSET=<n>.',
    );
  }
  return null;
}

const ownership = (ctx) => ({ owner: ctx.owner, users: ctx.owner === 'jest' ? [me()] : [] });

/** Step 4: prepare (download on first use), start, wait until healthy. */
async function launch(def, state, ctx) {
  const log = logFile(def.name);
  const t0 = Date.now();
  rotateLog(log);
  appendFileSync(log, `\n==== ${new Date().toISOString()} servers.mjs: preparing ${def.name}\n`);
  let downloaded = false;
  if (ctx.docker && def.container) {
    const started = await containers.start(def, log);
    state.servers[def.name] = { containerId: started.containerId, endpoint: def.endpoint, envVar: def.envVar, log: rel(log), ...ownership(ctx), startedAt: new Date().toISOString() };
    writeState(state);
  } else {
    ({ downloaded } = await def.prepare(log));
  }
  const prepareMs = Date.now() - t0;

  const t1 = Date.now();
  let exited = null;
  if (!(ctx.docker && def.container)) {
    const spec = def.command();
    appendFileSync(log, `==== ${new Date().toISOString()} servers.mjs: starting ${[spec.command, ...spec.args].join(' ')}\n`);
    const proc = startDetached(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, log });
    exited = proc.exited;
    if (!proc.pid) throw serverError(def.name, `could not start ${spec.command}: ${await exited}`, log);
    state.servers[def.name] = { pid: proc.pid, startTicks: proc.startTicks, endpoint: def.endpoint, envVar: def.envVar, log: rel(log), ...ownership(ctx), startedAt: new Date().toISOString() };
    writeState(state);
  }
  try {
    await waitReady(def, def.endpoint, def.timeoutMs, exited);
  } catch (err) {
    await stopEntry(state.servers[def.name]);
    delete state.servers[def.name];
    writeState(state);
    throw serverError(def.name, err.message, log);
  }
  const readyMs = Date.now() - t1;
  Object.assign(state.servers[def.name], { readyMs, prepareMs });
  writeState(state);
  return { status: 'started', endpoint: def.endpoint, readyMs, prepareMs, downloaded };
}

function stopEntry(entry) {
  if (!entry) return Promise.resolve('not running');
  if (entry.containerId) return containers.stop(entry.containerId);
  return stopGroup(entry.pid, entry.startTicks);
}

function describe(def, r) {
  const timing =
    r.status === 'started'
      ? `ready in ${secs(r.readyMs)}${r.prepareMs >= 100 ? ` (+ ${r.downloaded ? 'download/setup' : 'setup'} ${secs(r.prepareMs)})` : ''}`
      : (r.note ?? '');
  return `${def.name.padEnd(11)}${r.status.padEnd(9)}${r.endpoint.padEnd(25)}${timing}`;
}

/**
 * Ensures the selected servers are up. Never throws for a single server's failure: returns
 * every result and every error, so callers can stop what did start. `failFast`: when a server
 * cannot even be attempted (port conflict), start nothing.
 */
/** `owner`: 'cli' or 'jest' (see Ownership above). */
export async function up(names, { owner = 'cli', print = console.log, failFast = false } = {}) {
  const defs = selectServers(names);
  const docker = process.env.FLOWGUARD_TESTCONTAINERS === '1' && containers.dockerAvailable();
  if (process.env.FLOWGUARD_TESTCONTAINERS === '1' && !docker) print('FLOWGUARD_TESTCONTAINERS=1 but `docker info` failed: starting local processes instead');
  return withLock(async () => {
    const state = readState();
    const ctx = { owner, docker };
    const t0 = Date.now();
    const results = {};
    const errors = [];
    const fail = (def, err) => {
      errors.push(err);
      print(`${def.name.padEnd(11)}FAILED   ${err instanceof Error ? err.message.split('\n')[0] : err}`);
    };
    const plans = await Promise.all(defs.map((def) => classify(def, state, ctx).then((result) => ({ def, result }), (err) => ({ def, err }))));
    if (failFast && plans.some((p) => p.err)) {
      // e.g. a port conflict: the run cannot succeed, so do not spend minutes starting the rest
      for (const p of plans) if (p.err) fail(p.def, p.err);
      return { results, errors, env: {}, totalMs: Date.now() - t0 };
    }
    // one mvn run for every JVM server about to start
    mavenBatch(plans.filter((p) => p.result === null && p.def.maven && !(docker && p.def.container)).map((p) => p.def.maven));
    await Promise.all(
      plans.map(async ({ def, result, err }) => {
        if (err) return fail(def, err);
        try {
          results[def.name] = { ...(result ?? (await launch(def, state, ctx))), envVar: def.envVar };
          print(describe(def, results[def.name]));
        } catch (launchErr) {
          fail(def, launchErr);
        }
      }),
    );
    const env = {};
    for (const r of Object.values(results)) env[r.envVar] = r.endpoint;
    return { results, errors, env, totalMs: Date.now() - t0 };
  }, { onWait: (pid) => print(`waiting for another servers.mjs (pid ${pid ?? '?'}) to finish...`) });
}

/**
 * End of a jest run: drop this process from the users of every server it used; stop the ones
 * a jest run started that no live jest run uses any more (`keep`: hand them to the CLI instead).
 */
export async function release({ keep = false, print = console.log } = {}) {
  return withLock(async () => {
    const state = readState();
    for (const [name, entry] of Object.entries(state.servers)) {
      if (!(entry.users ?? []).some((u) => u.pid === process.pid)) continue;
      entry.users = liveUsers(entry.users);
      if (entry.owner !== 'jest' || entry.users.length > 0) {
        writeState(state);
        continue;
      }
      if (keep) {
        entry.owner = 'cli';
        writeState(state);
        print(`${name.padEnd(11)}kept running (FLOWGUARD_KEEP_SERVERS=1; npm run servers:down stops it)`);
        continue;
      }
      const outcome = await stopEntry(entry);
      delete state.servers[name];
      writeState(state);
      print(`${name.padEnd(11)}${outcome}${entry.pid ? ` (pid ${entry.pid})` : ''}`);
    }
  });
}

/** Stops the selected servers that state.json says we started (whoever uses them). */
export async function down(names, { print = console.log } = {}) {
  const defs = selectServers(names);
  return withLock(async () => {
    const state = readState();
    await Promise.all(
      defs.map(async (def) => {
        const entry = state.servers[def.name];
        if (!entry) return;
        const outcome = await stopEntry(entry);
        delete state.servers[def.name];
        writeState(state);
        print(`${def.name.padEnd(11)}${outcome}${entry.pid ? ` (pid ${entry.pid})` : ` (container ${entry.containerId?.slice(0, 12)})`}`);
      }),
    );
  });
}

/** One row per selected server: what runs, whether it answers, its memory. */
export async function status(names) {
  const defs = selectServers(names);
  const state = readState();
  return Promise.all(
    defs.map(async (def) => {
      const given = process.env[def.envVar];
      const entry = state.servers[def.name];
      const row = { name: def.name, envVar: def.envVar, endpoint: given ?? entry?.endpoint ?? def.endpoint, log: rel(logFile(def.name)) };
      if (given) return { ...row, state: 'external', healthy: (await probe(def, given)) === null };
      if (entry?.containerId) {
        const running = await containers.isRunning(entry.containerId);
        return { ...row, state: running ? 'running' : 'dead', container: entry.containerId, healthy: running && (await probe(def, entry.endpoint)) === null };
      }
      if (entry && isSameProcess(entry.pid, entry.startTicks)) {
        const uptimeS = Math.round((Date.now() - Date.parse(entry.startedAt)) / 1000);
        const users = liveUsers(entry.users).length + ((entry.users ?? []).some((u) => u.pid === process.pid) ? 1 : 0);
        const ownedBy = entry.owner === 'jest' ? `jest runs: ${users}` : 'cli';
        return { ...row, state: 'running', pid: entry.pid, rssMiB: groupRssMiB(entry.pid), uptimeS, ownedBy, healthy: (await probe(def, entry.endpoint)) === null };
      }
      if (entry) return { ...row, state: 'dead', pid: entry.pid, healthy: false };
      for (const port of def.ports) {
        if (await portOpen(port)) return { ...row, state: 'foreign', owner: portOwner(port), healthy: (await probe(def, def.endpoint)) === null };
      }
      return { ...row, state: 'stopped', healthy: false };
    }),
  );
}
