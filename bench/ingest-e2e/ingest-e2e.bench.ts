/**
 * Ingest end to end, through the real ingest service (IngestServiceModule in a
 * Nest application, KafkaBus to a real broker): records per second and memory
 * (RSS) at steady state, with the pipeline's stages switched on one by one so
 * the cost of each is visible against a baseline measured in the same run.
 *
 *  (a) files: a few million v2 lines (generated once into the git-ignored
 *      bench/out/) through IngestService.ingestFile — the code behind
 *      POST /v1/flows/file: stream → parse → [threat-intel marks → tier-1
 *      filter] → [geo enrichment] → publish to Kafka → [Parquet storage]
 *  (b) Kinesis: CloudWatch Logs subscription payloads in kinesalite (or
 *      KINESIS_ENDPOINT) read by the service's Kinesis consumer into Kafka,
 *      baseline vs the full pipeline.
 *
 * Reverse DNS is off (network), EC2 metadata off (no EC2). Needs a broker:
 *   node scripts/servers/servers.mjs up kafka
 *   eval "$(node scripts/servers/servers.mjs env kafka)"
 *   scripts/run-ts.sh bench/ingest-e2e/ingest-e2e.bench.ts [--lines 2000000] [--kinesis-rows 200000] [--skip-files] [--skip-kinesis]
 *   (BENCH_INGEST_ENV='{"VAR":"value"}' adds service variables to every stage, for A/B runs)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IngestPipeline, IngestService, IngestServiceModule, FlowStorage } from '@flowguard/service-ingest';
import { createActiveStream } from '@flowguard/ingest-adapters';
import { createServiceApp, type ServiceApp } from '@flowguard/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { ESTATE, MIX, estateLines, writeEstateFile } from './estate-flows.generator';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const LINES = arg('lines', 2_000_000);
const KINESIS_ROWS = arg('kinesis-rows', 200_000);
const EVENTS_PER_RECORD = 500;
const OUT = resolve(__dirname, '..', 'out');
const run = process.env['BENCH_RUN'] ?? `fgbench${Date.now().toString(36)}`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });

interface Stage {
  readonly name: string;
  readonly env: Record<string, string>;
}

/** Cumulative: each adds one stage to the one before. */
const STAGES: Stage[] = [
  { name: 'baseline: parse + publish', env: { INGEST_FILTER: 'false', INGEST_THREAT_INTEL: 'false', INGEST_GEO: 'false', FLOWS_PARQUET: 'false' } },
  { name: '+ threat-intel marks', env: { INGEST_FILTER: 'false', INGEST_GEO: 'false', FLOWS_PARQUET: 'false' } },
  { name: '+ tier-1 filter', env: { INGEST_GEO: 'false', FLOWS_PARQUET: 'false' } },
  { name: '+ geo enrichment', env: { FLOWS_PARQUET: 'false' } },
  { name: '+ Parquet storage (full pipeline)', env: {} },
];

interface Result {
  readonly path: string;
  readonly stage: string;
  readonly rows: number;
  readonly detection: number;
  readonly seconds: number;
  /** with the storage flush (Parquet files committed) */
  readonly secondsDurable: number;
  readonly rssSteadyMiB: number;
  readonly rssPeakMiB: number;
  readonly cpuSeconds: number;
  /** Kafka namespace the measurement used (its topics are deleted at the end) */
  readonly namespace: string;
}

/** RSS every 250 ms; "steady" = median of the second half of the run (after warm-up and buffers filled). */
class RssSeries {
  private readonly samples: number[] = [];
  private readonly timer = setInterval(() => this.samples.push(process.memoryUsage().rss), 250);
  stop(): { steady: number; peak: number } {
    clearInterval(this.timer);
    this.samples.push(process.memoryUsage().rss);
    const half = this.samples.slice(Math.floor(this.samples.length / 2)).sort((a, b) => a - b);
    return { steady: (half[Math.floor(half.length / 2)] ?? 0) / 2 ** 20, peak: Math.max(...this.samples) / 2 ** 20 };
  }
}

function baseEnv(ns: string, flowsDir: string, allowList: string): Record<string, string> {
  return {
    FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string, KAFKA_NAMESPACE: ns, FLOWGUARD_PROVISION: 'true',
    FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', METRICS_DEFAULT: 'false',
    INGEST_FILE_ROOTS: OUT, INGEST_IP_RANGES: 'bundled', INGEST_ALLOW_LIST_FILE: allowList,
    INGEST_LB_CIDRS: ESTATE.lbCidr, INGEST_HEALTH_CHECK_PORTS: String(ESTATE.healthCheckPort), FLOWS_DIR: flowsDir,
    // further service variables for A/B runs, e.g. BENCH_INGEST_ENV='{"INGEST_BATCH_ROWS":"65536"}'
    ...(JSON.parse(process.env['BENCH_INGEST_ENV'] ?? '{}') as Record<string, string>),
  };
}

async function startApp(env: Record<string, string>): Promise<ServiceApp> {
  return createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
}

/** namespaces used by the run; their topics are deleted at the end (deleting between runs races the next run's topic creation) */
const namespaces: string[] = [];

async function dropNamespaces(): Promise<void> {
  const admin = new Kafka({ brokers: (process.env['KAFKA_BROKERS'] as string).split(','), clientId: `${run}-cleanup`, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => namespaces.some((ns) => t.startsWith(ns)));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

function ensureFile(lines: number): string {
  const path = join(OUT, `ingest-e2e-v2-${lines}.log`);
  const meta = `${path}.meta.json`;
  if (existsSync(path) && existsSync(meta) && (JSON.parse(readFileSync(meta, 'utf8')) as { bytes: number }).bytes === statSync(path).size) return path;
  const t0 = Date.now();
  const bytes = writeEstateFile(path, lines);
  writeFileSync(meta, JSON.stringify({ lines, bytes, seed: 7 }));
  console.log(`generated ${path}: ${lines.toLocaleString('en-US')} lines, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}

async function filesRun(i: number, stage: Stage, file: string, warm: string, allowList: string): Promise<Result> {
  const ns = `${run}-f${i}p${process.pid}.`;
  const flowsDir = join(OUT, `ingest-e2e-flows-${i}`);
  rmSync(flowsDir, { recursive: true, force: true });
  const s = await startApp({ ...baseEnv(ns, flowsDir, allowList), ...stage.env });
  try {
    await s.app.init();
    const ingest = s.app.get(IngestService);
    await ingest.ingestFile(warm, { requestId: 'warm-up' }); // JIT, topic metadata, MMDB pages
    await s.app.get(FlowStorage).flush();
    global.gc?.();
    const rss = new RssSeries();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = await ingest.ingestFile(file, { requestId: 'bench' });
    const t1 = process.hrtime.bigint();
    await s.app.get(FlowStorage).flush();
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const mem = rss.stop();
    return {
      path: 'file', stage: stage.name, rows: r.records, detection: r.detection, seconds: Number(t1 - t0) / 1e9, secondsDurable: Number(t2 - t0) / 1e9,
      rssSteadyMiB: mem.steady, rssPeakMiB: mem.peak, cpuSeconds: (cpu.user + cpu.system) / 1e6, namespace: ns,
    };
  } finally {
    await s.app.close();
    rmSync(flowsDir, { recursive: true, force: true });
  }
}

const freePort = () => new Promise<number>((r) => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1', () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => r(p));
  });
});

async function kinesisRun(i: number, stage: Stage, endpoint: string, payloads: Buffer[], allowList: string, dir: string): Promise<Result> {
  const ns = `${run}-k${i}p${process.pid}.`;
  const stream = `${run}-k${i}p${process.pid}`;
  const client = new KinesisClient({ endpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await createActiveStream(client, stream, 2);
  for (let p = 0; p < payloads.length; p += 100) {
    await client.send(new PutRecordsCommand({ StreamName: stream, Records: payloads.slice(p, p + 100).map((Data, k) => ({ Data, PartitionKey: `k${p + k}` })) }));
  }
  client.destroy();
  const flowsDir = join(dir, `flows-k${i}`);
  const s = await startApp({
    ...baseEnv(ns, flowsDir, allowList), ...stage.env,
    INGEST_KINESIS_STREAM: stream, KINESIS_ENDPOINT: endpoint, INGEST_KINESIS_CHECKPOINT_FILE: join(dir, `${stream}.json`),
  });
  try {
    const total = payloads.length * EVENTS_PER_RECORD;
    global.gc?.();
    // init opens the pipeline (geo MMDB, ASN ranges: ~2 s of CPU) and then starts the consumer, whose
    // first call lists the shards: the clock and the CPU count start when init returned
    const rss = new RssSeries();
    await s.app.init();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const pipeline = s.app.get(IngestPipeline);
    const done = () => {
      const t = pipeline.stats.totals();
      const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      return { finished: sum(t.detectionRows) + sum(t.filter.droppedFromDetection), detection: sum(t.detectionRows) };
    };
    const atStart = done().finished;
    for (let d = done(); d.finished < total; d = done()) await new Promise((r) => setTimeout(r, 10));
    const t1 = process.hrtime.bigint();
    await s.app.get(FlowStorage).flush();
    const t2 = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpu0);
    const mem = rss.stop();
    return {
      path: 'kinesis', stage: stage.name, rows: total - atStart, detection: done().detection, seconds: Number(t1 - t0) / 1e9,
      secondsDurable: Number(t2 - t0) / 1e9, rssSteadyMiB: mem.steady, rssPeakMiB: mem.peak, cpuSeconds: (cpu.user + cpu.system) / 1e6, namespace: ns,
    };
  } finally {
    await s.app.close();
  }
}

function cwlPayloads(rows: number): Buffer[] {
  const lines = [...estateLines(rows, 11)];
  const out: Buffer[] = [];
  for (let p = 0; p < lines.length; p += EVENTS_PER_RECORD) {
    out.push(gzipSync(JSON.stringify({
      owner: '123456789012', logGroup: 'vpc-flow-logs', logStream: 'eni', subscriptionFilters: ['all'], messageType: 'DATA_MESSAGE',
      logEvents: lines.slice(p, p + EVENTS_PER_RECORD).map((message, e) => ({ id: String(p + e), timestamp: 1_700_000_000_000, message })),
    })));
  }
  return out;
}

function print(results: Result[]): void {
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const header = ['path', 'stages', 'rows', 'to detection', 's', 'rows/s', 'vs baseline', 'µs/row added', 'rows/s incl. flush', 'RSS steady MiB', 'RSS peak MiB', 'CPU s', 'CPU µs/row', 'CPU µs/row added'];
  const baseline = (STAGES[0] as Stage).name;
  const rows = results.map((r, idx) => {
    // within one repetition: the baseline row of this path, and the row of the stage before this one
    const before = results.slice(0, idx).reverse().filter((b) => b.path === r.path);
    const base = r.stage === baseline ? r : before.find((b) => b.stage === baseline);
    const prev = r.stage === baseline ? undefined : before[0];
    const rate = r.rows / r.seconds;
    const added = prev ? (r.seconds / r.rows - prev.seconds / prev.rows) * 1e6 : 0;
    const cpuRow = (x: Result) => (x.cpuSeconds / x.rows) * 1e6;
    return [r.path, r.stage, f(r.rows), f(r.detection), f(r.seconds, 2), f(rate), base ? `${f((rate / (base.rows / base.seconds)) * 100)}%` : '', prev ? f(added, 2) : '',
      f(r.rows / r.secondsDurable), f(r.rssSteadyMiB), f(r.rssPeakMiB), f(r.cpuSeconds, 1), f(cpuRow(r), 2), prev ? f(cpuRow(r) - cpuRow(prev), 2) : ''];
  });
  const cells = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...cells.map((x) => (x[c] ?? '').length)));
  const line = (x: string[]) => `| ${x.map((v, c) => (c <= 1 ? v.padEnd(widths[c] as number) : v.padStart(widths[c] as number))).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w, c) => (c <= 1 ? `${'-'.repeat(w + 2)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/** One measurement in this (child) process, so its RSS is its own: `--child file:2` or `--child kinesis:1`. */
async function child(spec: string): Promise<void> {
  const [path, index] = spec.split(':');
  const i = Number(index);
  const dir = process.env['BENCH_DIR'] as string;
  const allowList = join(dir, 'allow-list.json');
  const result = path === 'file'
    ? await filesRun(i, STAGES[i] as Stage, ensureFile(LINES), ensureFile(50_000), allowList)
    : await kinesisRun(i, STAGES[i] as Stage, process.env['KINESIS_ENDPOINT'] as string, cwlPayloads(KINESIS_ROWS), allowList, dir);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

function runChild(spec: string, env: Record<string, string>): Promise<Result> {
  return new Promise((resolveResult, reject) => {
    const args = [...process.execArgv, '--expose-gc', __filename, '--child', spec, '--lines', String(LINES), '--kinesis-rows', String(KINESIS_ROWS)];
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('error', reject);
    c.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) return reject(new Error(`${spec} exited with ${code}: ${out.slice(-2000)}`));
      resolveResult(JSON.parse(line.slice('RESULT '.length)) as Result);
    });
  });
}

async function main(): Promise<void> {
  if (!process.env['KAFKA_BROKERS']) {
    throw new Error('KAFKA_BROKERS is not set: node scripts/servers/servers.mjs up kafka && eval "$(node scripts/servers/servers.mjs env kafka)"');
  }
  const childSpec = process.argv[process.argv.indexOf('--child') + 1];
  if (process.argv.includes('--child') && childSpec) return child(childSpec);
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-e2e-'));
  writeFileSync(join(dir, 'allow-list.json'), JSON.stringify([{ id: 'backup-rsync', owner: 'bench', reason: 'backup host rsync', match: { srcCidr: ESTATE.backupCidr, port: 873 } }]));
  const repeat = arg('repeat', 1);
  console.log(`ingest end to end, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}, Kafka ${process.env['KAFKA_BROKERS']}`);
  console.log(`mix: ${Object.entries(MIX).map(([k, v]) => `${k} ${(v * 100).toFixed(1)}%`).join(', ')}, rest app ↔ internet (60,000 public peers); each measurement in its own process`);
  const results: Result[] = [];
  const env = { BENCH_DIR: dir, BENCH_RUN: run };
  try {
    if (!flag('skip-files')) {
      ensureFile(LINES);
      ensureFile(50_000);
      for (let rep = 0; rep < repeat; rep++) {
        for (const [i, stage] of STAGES.entries()) {
          const r = await runChild(`file:${i}`, env);
          namespaces.push(r.namespace);
          results.push(r);
          console.log(`file    ${stage.name}: ${r.seconds.toFixed(2)} s`);
        }
      }
    }
    if (!flag('skip-kinesis')) {
      let endpoint = process.env['KINESIS_ENDPOINT'];
      let stop = () => undefined as void;
      if (!endpoint) {
        const port = await freePort();
        const k = spawn(join(__dirname, '..', '..', 'node_modules', '.bin', 'kinesalite'), ['--port', String(port), '--createStreamMs', '0'], { stdio: 'ignore' });
        stop = () => void k.kill();
        endpoint = `http://127.0.0.1:${port}`;
        await new Promise((r) => setTimeout(r, 1500));
      }
      try {
        for (let rep = 0; rep < repeat; rep++) {
          for (const i of [0, STAGES.length - 1]) {
            const r = await runChild(`kinesis:${i}`, { ...env, KINESIS_ENDPOINT: endpoint });
            namespaces.push(r.namespace);
            results.push(r);
            console.log(`kinesis ${(STAGES[i] as Stage).name}: ${r.seconds.toFixed(2)} s`);
          }
        }
      } finally {
        stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await dropNamespaces().catch((e: unknown) => console.warn(`could not delete the run's topics: ${String(e)}`));
    // what was measured before a failure is still worth reading
    if (results.length) print(results);
  }
  console.log(`\nload after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}. "added": the stage's cost per row over the row above it (wall clock, and CPU of the ingest process).`);
  console.log('CPU s = user + system time of the ingest process during the run; Kafka (a JVM on the same 2 cores) is not in it. "incl. flush": until the Parquet files were committed.');
  console.log('RSS: of the measuring process (its own per row: ts-node, the Nest app, the pipeline), steady = median of the second half of the run.');
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
