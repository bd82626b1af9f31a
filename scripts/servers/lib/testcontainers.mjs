// Container path, used only when FLOWGUARD_TESTCONTAINERS=1 and a Docker engine answers.
// UNTESTED HERE: the project's machines have no Docker engine. It starts the JVM servers and
// moto from their official images on the same host ports as the local processes (Kafka's
// advertised listener must name the host port); kinesalite and s3rver stay local processes.
// Ryuk (testcontainers' reaper) is disabled because `servers:up` exits right after starting:
// the containers are recorded in state.json and removed by `servers:down` / the jest teardown.
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT } from './paths.mjs';

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));

export function dockerAvailable() {
  const res = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 });
  return res.status === 0;
}

export async function start(def, log) {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const { GenericContainer } = requireFromRepo('testcontainers');
  const spec = def.container;
  let container = new GenericContainer(spec.image)
    .withExposedPorts(...spec.ports.map(([host, containerPort]) => ({ host, container: containerPort })))
    .withEnvironment(spec.env)
    .withName(`flowguard-${def.name}-${process.pid}`);
  if (spec.command) container = container.withCommand(spec.command);
  appendFileSync(log, `starting container ${spec.image}\n`);
  const started = await container.start();
  // readiness is checked by the caller with the same probe as for local processes
  return { containerId: started.getId() };
}

export async function isRunning(containerId) {
  const res = spawnSync('docker', ['inspect', '-f', '{{.State.Running}}', containerId], { encoding: 'utf8', timeout: 15_000 });
  return res.status === 0 && res.stdout.trim() === 'true';
}

export async function stop(containerId) {
  const res = spawnSync('docker', ['rm', '-f', containerId], { encoding: 'utf8', timeout: 60_000 });
  return res.status === 0 ? 'removed' : `docker rm failed: ${res.stderr.trim()}`;
}
