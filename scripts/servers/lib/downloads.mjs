// First-run downloads: Maven Central artifacts through `mvn dependency:copy-dependencies`, the
// moto server through pip into a virtualenv, and the Java runtime to use.
// Each download ends by writing a marker holding a hash of its recipe (POMs or requirements
// file), so a warm start does no network and no mvn/pip start-up (mvn alone costs ~5 s), and
// changing a pinned version in the recipe triggers a fresh download.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { HOME_DIR, MAVEN_DIR, SCRIPTS_DIR, VENV_DIR, ensureDir, logFile } from './paths.mjs';
import { runLogged } from './proc.mjs';

const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MAVEN_TIMEOUT_MS = 15 * 60_000;
const PIP_TIMEOUT_MS = 10 * 60_000;

const hashOf = (...files) => {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
};

function upToDate(marker, hash) {
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === hash;
}

/** Where `mvn` copies a module's dependency set (see scripts/servers/maven/pom.xml). */
export const mavenLibDir = (module) => path.join(HOME_DIR, module, 'lib');
const mavenMarker = (module) => path.join(mavenLibDir(module), '.complete');
const mavenHash = (module) => hashOf(path.join(MAVEN_DIR, 'pom.xml'), path.join(MAVEN_DIR, module, 'pom.xml'));
export const mavenCurrent = (module) => upToDate(mavenMarker(module), mavenHash(module));

// module -> promise of the one `mvn` run that downloads it
const pending = new Map();

/**
 * Downloads every listed Maven module whose cached copy is missing or stale, in ONE `mvn -T`
 * run: the modules resolve in parallel and Maven's plugin bootstrap is paid once. Call it once
 * with everything that is about to start; `mavenModule()` then waits for its own part.
 */
export function mavenBatch(modules) {
  const stale = modules.filter((m) => !mavenCurrent(m) && !pending.has(m));
  if (stale.length === 0) return;
  const log = logFile('maven');
  ensureDir(path.dirname(log));
  const job = (async () => {
    for (const m of stale) rmSync(mavenLibDir(m), { recursive: true, force: true }); // no stale jars on a classpath
    await runLogged('maven', 'mvn', [
      '-B', '-q', '-T', String(stale.length), '-f', path.join(MAVEN_DIR, 'pom.xml'), '-pl', stale.join(','),
      `${MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies`, `-Dflowguard.servers.dir=${HOME_DIR}`,
    ], { cwd: MAVEN_DIR, env: process.env, log, timeoutMs: MAVEN_TIMEOUT_MS, what: `mvn copy-dependencies (${stale.join(', ')})` });
    for (const m of stale) writeFileSync(mavenMarker(m), `${mavenHash(m)}\n`);
  })();
  for (const m of stale) pending.set(m, job);
  job.catch(() => undefined).finally(() => stale.forEach((m) => pending.delete(m)));
}

/** Resolves to { libDir, downloaded } once the module's dependency set is on disk. */
export async function mavenModule(module) {
  if (!pending.has(module) && !mavenCurrent(module)) mavenBatch([module]);
  const job = pending.get(module);
  if (job) await job;
  return { libDir: mavenLibDir(module), downloaded: Boolean(job) };
}

/** Marker helper for derived steps (unzip, native library copy) keyed by the same recipe. */
export function derivedStep(marker, sourceMarker, step) {
  const hash = existsSync(sourceMarker) ? readFileSync(sourceMarker, 'utf8').trim() : 'none';
  if (upToDate(marker, hash)) return false;
  step();
  writeFileSync(marker, `${hash}\n`);
  return true;
}

/** Creates `.flowguard/venv` and installs the pinned moto server into it. */
export async function ensureMotoVenv(log) {
  const requirements = path.join(SCRIPTS_DIR, 'moto-requirements.txt');
  const marker = path.join(VENV_DIR, '.flowguard-moto');
  const hash = hashOf(requirements);
  const motoServer = path.join(VENV_DIR, 'bin', 'moto_server');
  if (upToDate(marker, hash) && existsSync(motoServer)) return { motoServer, downloaded: false };
  const python = process.env.FLOWGUARD_PYTHON ?? 'python3';
  if (!existsSync(path.join(VENV_DIR, 'bin', 'python'))) {
    await runLogged('ec2', python, ['-m', 'venv', VENV_DIR], { env: process.env, log, timeoutMs: 120_000, what: `${python} -m venv ${VENV_DIR}` });
  }
  // --no-compile: byte-compiling botocore's thousands of files costs more CPU than the
  // download; moto compiles only the modules it imports, once, on first start
  await runLogged('ec2', path.join(VENV_DIR, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-compile', '-r', requirements], {
    env: process.env, log, timeoutMs: PIP_TIMEOUT_MS, what: 'pip install -r scripts/servers/moto-requirements.txt',
  });
  writeFileSync(marker, `${hash}\n`);
  return { motoServer, downloaded: true };
}

function javaMajorOf(home) {
  try {
    const release = readFileSync(path.join(home, 'release'), 'utf8');
    const m = /JAVA_VERSION="(\d+)(?:\.(\d+))?/.exec(release);
    if (!m) return null;
    return m[1] === '1' ? Number(m[2]) : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * A JDK home whose major version is within [min, max]. Candidates, in order: JAVA_HOME, the
 * `java` on PATH, then /usr/lib/jvm/*. OpenSearch 2.x needs a bound: it installs a
 * SecurityManager, which Java 24+ no longer allows.
 */
export function findJava({ min = 17, max = 99 } = {}) {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
  if (which) {
    try {
      candidates.push(path.dirname(path.dirname(realpathSync(which))));
    } catch {
      // dangling link
    }
  }
  if (existsSync('/usr/lib/jvm')) {
    for (const d of readdirSync('/usr/lib/jvm').sort()) candidates.push(path.join('/usr/lib/jvm', d));
  }
  const seen = [];
  for (const home of candidates) {
    const major = javaMajorOf(home);
    seen.push(`${home} (${major ?? 'unknown version'})`);
    if (major !== null && major >= min && major <= max && existsSync(path.join(home, 'bin', 'java'))) {
      return { home, java: path.join(home, 'bin', 'java'), major };
    }
  }
  throw new Error(`no Java ${min}${max < 99 ? `..${max}` : '+'} found; looked at: ${seen.join(', ') || 'nothing'}. Set JAVA_HOME.`);
}
