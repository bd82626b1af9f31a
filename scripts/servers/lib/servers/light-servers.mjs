// The light servers: kinesalite and s3rver from node_modules, and moto (PyPI) for the EC2
// query API. They start in well under a second once installed.
import path from 'node:path';
import { createRequire } from 'node:module';
import { HOST, PORTS, REPO_ROOT, SCRIPTS_DIR, ensureDir, serverDir } from '../paths.mjs';
import { ensureMotoVenv } from '../downloads.mjs';
import { ec2Ready, kinesisReady, s3Ready } from '../health.mjs';

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));
const s3Dir = serverDir('s3', 'data');

export const kinesis = {
  name: 'kinesis',
  aliases: ['kinesalite'],
  envVar: 'KINESIS_ENDPOINT',
  endpoint: `http://${HOST}:${PORTS.kinesis}`,
  ports: [PORTS.kinesis],
  timeoutMs: 30_000,
  dataDirs: [],
  ready: kinesisReady,
  async prepare() {
    requireFromRepo.resolve('kinesalite'); // fails clearly when `npm ci` was not run
    return { downloaded: false };
  },
  command() {
    return {
      command: process.execPath,
      args: [path.join(SCRIPTS_DIR, 'node', 'kinesalite-server.cjs'), String(PORTS.kinesis)],
      cwd: REPO_ROOT,
      env: process.env,
    };
  },
};

export const s3 = {
  name: 's3',
  aliases: ['s3rver'],
  envVar: 'S3_ENDPOINT',
  endpoint: `http://${HOST}:${PORTS.s3}`,
  ports: [PORTS.s3],
  timeoutMs: 30_000,
  dataDirs: [s3Dir],
  ready: s3Ready,
  async prepare() {
    requireFromRepo.resolve('s3rver/package.json');
    ensureDir(s3Dir);
    return { downloaded: false };
  },
  command() {
    return {
      command: process.execPath,
      // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
      // offers through the legacy provider: without it the second page of a listing fails
      args: ['--openssl-legacy-provider', path.join(SCRIPTS_DIR, 'node', 's3rver-server.cjs'), String(PORTS.s3), s3Dir],
      cwd: REPO_ROOT,
      env: process.env,
    };
  },
};

let motoServer = null;

export const ec2 = {
  name: 'ec2',
  aliases: ['moto'],
  envVar: 'EC2_ENDPOINT',
  endpoint: `http://${HOST}:${PORTS.ec2}`,
  ports: [PORTS.ec2],
  timeoutMs: 60_000,
  dataDirs: [],
  ready: ec2Ready,
  async prepare(log) {
    const res = await ensureMotoVenv(log);
    motoServer = res.motoServer;
    return { downloaded: res.downloaded };
  },
  command() {
    return {
      command: motoServer,
      args: ['-H', HOST, '-p', String(PORTS.ec2)],
      cwd: REPO_ROOT,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    };
  },
  container: {
    image: 'motoserver/moto:5.2.5',
    ports: [[PORTS.ec2, 5000]],
    env: {},
  },
};
