// DynamoDB Local 2.x from Maven Central. It stores tables through sqlite4java, whose native
// library ships in the dependency set as a bare .so that must sit on java.library.path.
// In-memory and shared across credentials/regions: tests use their own table names, and a
// restart gives a clean database.
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HOST, PORTS, ensureDir, serverDir } from '../paths.mjs';
import { derivedStep, findJava, mavenModule } from '../downloads.mjs';
import { dynamodbReady } from '../health.mjs';

const dir = serverDir('dynamodb');
const libDir = path.join(dir, 'lib');
const nativeDir = path.join(dir, 'native');

const SQLITE_ARCH = { x64: 'linux-amd64', arm64: 'linux-aarch64', ia32: 'linux-i386' };

function copyNativeLibrary() {
  const platform = process.platform === 'darwin' ? 'osx' : SQLITE_ARCH[process.arch];
  const candidates = readdirSync(libDir).filter((f) => /^libsqlite4java-.*\.(so|dylib)$/.test(f));
  const match = candidates.find((f) => f.startsWith(`libsqlite4java-${platform}`));
  if (!match) {
    throw new Error(`dynamodb: no sqlite4java native library for ${process.platform}/${process.arch} in ${libDir} (found: ${candidates.join(', ') || 'none'})`);
  }
  rmSync(nativeDir, { recursive: true, force: true });
  ensureDir(nativeDir);
  copyFileSync(path.join(libDir, match), path.join(nativeDir, match));
}

export const dynamodb = {
  name: 'dynamodb',
  aliases: ['dynamodb-local', 'ddb'],
  maven: 'dynamodb',
  envVar: 'DYNAMODB_ENDPOINT',
  endpoint: `http://${HOST}:${PORTS.dynamodb}`,
  ports: [PORTS.dynamodb],
  timeoutMs: 60_000,
  dataDirs: [],
  ready: dynamodbReady,

  async prepare(log) {
    const { downloaded } = await mavenModule('dynamodb');
    derivedStep(path.join(nativeDir, '.complete'), path.join(libDir, '.complete'), copyNativeLibrary);
    return { downloaded };
  },

  command() {
    const { java } = findJava({ min: 17 });
    const heap = process.env.FLOWGUARD_DYNAMODB_HEAP ?? '512m';
    return {
      command: java,
      args: [
        '-Xms64m', `-Xmx${heap}`, '-XX:+UseSerialGC',
        `-Djava.library.path=${nativeDir}`,
        '-cp', `${libDir}/*`,
        'com.amazonaws.services.dynamodbv2.local.main.ServerRunner',
        // DynamoDB Local has no bind-address option: it listens on all interfaces
        '-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(PORTS.dynamodb),
      ],
      cwd: dir,
      env: process.env,
    };
  },

  container: {
    image: 'amazon/dynamodb-local:2.6.1',
    ports: [[PORTS.dynamodb, 8000]],
    command: ['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb', '-disableTelemetry'],
    env: {},
  },
};
