/**
 * TEST ONLY: the integration specs use the servers the root integration setup
 * started (KINESIS_ENDPOINT, S3_ENDPOINT). When a spec runs alone, this starts
 * the same npm-packaged server on a free loopback port for the spec's lifetime.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..', '..', '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on port ${port} did not start in ${timeoutMs} ms`);
}

async function startBin(bin: string, args: (port: number) => string[], env: NodeJS.ProcessEnv = {}): Promise<LocalServer> {
  const port = await freePort();
  const child = spawn(join(ROOT, 'node_modules', '.bin', bin), args(port), { stdio: 'ignore', env: { ...process.env, ...env } });
  await waitForPort(port, child);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}

export async function kinesisEndpoint(): Promise<LocalServer> {
  if (process.env['KINESIS_ENDPOINT']) return { endpoint: process.env['KINESIS_ENDPOINT'], stop: async () => undefined };
  return startBin('kinesalite', (p) => ['--port', String(p), '--createStreamMs', '0', '--deleteStreamMs', '0', '--updateStreamMs', '0']);
}

export async function s3Endpoint(dir: string): Promise<LocalServer> {
  if (process.env['S3_ENDPOINT']) return { endpoint: process.env['S3_ENDPOINT'], stop: async () => undefined };
  // s3rver needs the legacy OpenSSL provider for ListObjectsV2 continuation tokens
  return startBin('s3rver', (p) => ['--address', '127.0.0.1', '--port', String(p), '--directory', dir, '--silent'], {
    NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --openssl-legacy-provider`.trim(),
  });
}

/**
 * moto (PyPI `moto[server]`) for EC2: EC2_ENDPOINT when the integration setup provides it,
 * else a `moto_server` found on PATH or at $MOTO_SERVER. Undefined when none is available
 * (the spec then skips and says why).
 */
export async function ec2Endpoint(): Promise<LocalServer | undefined> {
  if (process.env['EC2_ENDPOINT']) return { endpoint: process.env['EC2_ENDPOINT'], stop: async () => undefined };
  const candidates = [process.env['MOTO_SERVER'], ...(process.env['PATH'] ?? '').split(':').map((d) => join(d, 'moto_server'))];
  const bin = candidates.find((c): c is string => !!c && existsSync(c));
  if (!bin) return undefined;
  const port = await freePort();
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForPort(port, child, 30_000);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}
