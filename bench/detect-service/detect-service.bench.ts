/**
 * The streaming detect service under load: sustained records/s through both
 * stages (repartition → lanes), delay from a window becoming closable to its
 * anomaly being published, and peak memory — through a real Kafka broker with
 * 1 and 3 instances, and in-process baselines measured in the same run on the
 * same input (seeded simulator traffic with scans, a sweep, a flood, beacons).
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 scripts/run-ts.sh bench/detect-service/detect-service.bench.ts \
 *     [--records 400000] [--hours 6] [--paced-rate 20000] [--only engine|pipeline|in-process|kafka]
 *
 * Every scenario runs in its own child process (peak RSS is its own); Kafka
 * scenarios start each detect instance as a further process (detect-worker.ts;
 * BENCH_WORKER_NODE_ARGS adds node flags to them, e.g. --cpu-prof).
 *
 * records/s: input rows / (last row in a lane − first publish). "In a lane"
 * = repartitioned, delivered, de-duplicated and analysed, or held in the
 * lane's reorder buffer for its grain to close (the last minutes of event
 * time wait for the end-of-input flush, which is not timed).
 *
 * Delay: for each anomaly published while input flowed, its publish time
 * (broker timestamp) − the broker timestamp of the flows.enriched message
 * whose event time made the window closable (header flowguard-input-ts).
 * Anomalies from the end-of-input flush carry no such header and are counted
 * apart. Saturated runs include queueing; the paced run shows the steady state.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { allTopics, Consumers, Topics, type AnomalyV1, type FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, defaultDetectionConfig } from '@flowguard/detection';
import { KafkaBus } from '@flowguard/kafka';
import { InProcessBus, type Bus, type Delivered } from '@flowguard/messaging';
import { EmbeddedAnomalyRepository } from '@flowguard/persistence';
import {
  DetectFlowsConsumer, DetectLanes, DetectRepartitionConsumer, INPUT_TS_HEADER, RepartitionStage, enrichedLog, simulatedFlows, stampHeaders,
} from '@flowguard/service-detect';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import { ThreatIntel } from '@flowguard/threat-intel';
import pino from 'pino';
import { fmt, machineLine, mib, peakRss, percentile, printTable } from './bench-util';
import type { WorkerDone, WorkerState } from './detect-worker';

type Kind = 'engine' | 'pipeline' | 'in-process' | 'kafka';
interface Scenario {
  readonly name: string;
  readonly kind: Kind;
  readonly instances: number;
  /** records/s to publish at; 0 = as fast as it goes */
  readonly rate: number;
}
interface Result {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly anomalies: number;
  readonly delays: number[];
  readonly flushAnomalies: number;
  readonly peakRss: number[];
  readonly lateDrops: number;
}

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : dflt;
};
const RECORDS = Number(arg('records', '400000'));
const HOURS = Number(arg('hours', '6'));
const PACED = Number(arg('paced-rate', '20000'));
const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
const threatIntel = ThreatIntel.bundled();

function input(): { logs: Array<Array<Delivered<FlowBatch>>>; batches: FlowBatch[]; rows: number } {
  const batches = simulatedFlows({ records: RECORDS, hours: HOURS });
  const logs = enrichedLog(batches);
  return { logs, batches, rows: batches.reduce((n, b) => n + b.length, 0) };
}

/** Messages of all partitions in delivery order (round-robin by position, so partitions advance together). */
function interleaved(logs: Array<Array<Delivered<FlowBatch>>>): Array<Delivered<FlowBatch>> {
  const out: Array<Delivered<FlowBatch>> = [];
  const longest = Math.max(...logs.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const log of logs) if (log[i]) out.push(log[i] as Delivered<FlowBatch>);
  return out;
}

const keyOf = (b: FlowBatch) => b.strings.get(b.interfaceId[0] as number);

/** Publish in order (one message at a time per partition, partitions in parallel), optionally paced. */
async function produce(bus: Bus, logs: Array<Array<Delivered<FlowBatch>>>, rate: number): Promise<number> {
  const t0 = Date.now();
  if (rate <= 0) {
    await Promise.all(logs.map(async (log) => {
      for (const d of log) await bus.publish(Topics.flowsEnriched, [d.value], { key: keyOf(d.value) });
    }));
    return t0;
  }
  let sent = 0;
  for (const d of interleaved(logs)) {
    const due = t0 + (sent / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await bus.publish(Topics.flowsEnriched, [d.value], { key: keyOf(d.value) });
    sent += d.value.length;
  }
  return t0;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Baseline 1: one engine with every detector, in this process, on the same batches (no repartitioning, no bus). */
function runEngine(): Result {
  const { batches, rows } = input();
  const engine = new DetectionEngine(defaultDetectionConfig(), { threatIntel });
  const found: AnomalyV1[] = [];
  const t0 = process.hrtime.bigint();
  for (const b of batches) found.push(...engine.process(b));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const flushed = engine.flush();
  return { name: '', records: rows, seconds, anomalies: new Set([...found, ...flushed].map((a) => a.anomalyId)).size, delays: [], flushAnomalies: flushed.length, peakRss: [peakRss()], lateDrops: engine.stats().lateDrops };
}

/** Baseline 2: both stages in this process without a bus (repartition → lanes), one instance. */
function runPipeline(): Result {
  const { logs, rows } = input();
  const config = defaultDetectionConfig();
  const stage = new RepartitionStage({ buckets: Topics.flowsBySource.partitions, inferEniOwner: true, punctuateEverySec: config.tickSec });
  const lanes = new DetectLanes({ config, threatIntel, now: Date.now, idleMs: 600_000, expectedOrigins: logs.length });
  const ids = new Set<string>();
  const offsets = { src: [0, 0, 0, 0, 0, 0], dst: [0, 0, 0, 0, 0, 0] };
  const t0 = process.hrtime.bigint();
  for (const d of interleaved(logs)) {
    for (const o of stage.split([d])) {
      const partition = o.bucket;
      const offset = String(offsets[o.topic][partition]++);
      const r = lanes.ingest(o.topic, { value: o.batch, meta: { topic: o.topic, partition, offset, key: null, headers: stampHeaders(o.stamp), timestamp: 0 } });
      for (const a of r.anomalies) ids.add(a.anomalyId);
    }
    stage.confirm([d]);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const flushed = lanes.flushAll();
  for (const a of flushed) ids.add(a.anomalyId);
  const lateDrops = lanes.stats().reduce((n, l) => n + l.engine.lateDrops, 0);
  return { name: '', records: rows, seconds, anomalies: ids.size, delays: [], flushAnomalies: flushed.length, peakRss: [peakRss()], lateDrops };
}

/** The service's consumers on the in-process bus (the embedded topology), one instance. */
async function runInProcess(rate: number): Promise<Result> {
  const { logs, rows } = input();
  const bus = new InProcessBus({ maxQueuedBytesPerTopic: 256 * 1024 * 1024 });
  const config = defaultDetectionConfig();
  const stage = new RepartitionStage({ buckets: Topics.flowsBySource.partitions, inferEniOwner: true, punctuateEverySec: config.tickSec });
  const lanes = new DetectLanes({ config, threatIntel, now: Date.now, idleMs: 600_000, expectedOrigins: Topics.flowsEnriched.partitions });
  const consumers = { start: async (_n: string, _s: number, sub: never) => void (await bus.subscribe(sub)), onDrain: () => undefined } as unknown as ConsumersService;
  const metrics = new MetricsService('detect', false);
  const detect = new DetectFlowsConsumer(bus, await EmbeddedAnomalyRepository.open(), lanes, { idleFlushMs: 0 }, consumers, metrics, pino({ level: 'silent' }));
  await detect.onApplicationBootstrap();
  await new DetectRepartitionConsumer(bus, stage, consumers, metrics).onApplicationBootstrap();
  const collected = collector();
  await bus.subscribe({ group: Consumers.agents, topic: Topics.anomalies, handle: async (b) => collected.take(b) });
  const inLanes = () => lanes.stats().reduce((n, l) => n + l.engine.records + l.buffered, 0);
  const t0 = await produce(bus, logs, rate);
  await until(() => inLanes() >= 2 * rows, 600_000, 'every row in a lane');
  const seconds = (Date.now() - t0) / 1000;
  collected.mark();
  await detect.flush('shutdown');
  await collected.settle();
  const lateDrops = lanes.stats().reduce((n, l) => n + l.engine.lateDrops, 0);
  await bus.close();
  detect.onModuleDestroy();
  return { name: '', records: rows, seconds, ...collected.result(), peakRss: [peakRss()], lateDrops };
}

/** Anomalies received on anomalies.v1, with their delays (publish time − closing input's time). */
function collector() {
  const ids = new Set<string>();
  const delays: number[] = [];
  let flushAnomalies = 0;
  let afterMark = false;
  let lastAt = Date.now();
  let count = 0;
  return {
    take(batch: ReadonlyArray<Delivered<AnomalyV1>>): void {
      for (const d of batch) {
        ids.add(d.value.anomalyId);
        count++;
        lastAt = Date.now();
        const ts = Number(d.meta.headers[INPUT_TS_HEADER]);
        if (Number.isFinite(ts) && ts > 0 && !afterMark) delays.push(d.meta.timestamp - ts);
        else flushAnomalies++;
      }
    },
    /** input finished: anomalies from here on are the end-of-input flush's */
    mark(): void {
      afterMark = true;
    },
    async settle(): Promise<void> {
      let seen = -1;
      while (seen !== count || Date.now() - lastAt < 1500) {
        seen = count;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    result() {
      return { anomalies: ids.size, delays: delays.sort((a, b) => a - b), flushAnomalies };
    },
  };
}

/** Detect as `instances` worker processes of one group on a real broker; this process produces and collects. */
async function runKafka(instances: number, rate: number): Promise<Result> {
  const { logs, rows } = input();
  const namespace = `bench${Date.now().toString(36)}.`;
  const client = new KafkaBus({ brokers, clientId: 'detect-bench', namespace, retry: { retries: 5, initialRetryTime: 100 } });
  await client.ensureTopics(allTopics());
  const collected = collector();
  await client.subscribe({ group: Consumers.agents, topic: Topics.anomalies, handle: async (b) => collected.take(b) });
  const states = new Map<number, WorkerState>();
  const done = new Map<number, WorkerDone>();
  const workers: ChildProcess[] = [];
  for (let i = 0; i < instances; i++) {
    const w = fork(join(__dirname, 'detect-worker.ts'), [], {
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the detect instances
      execArgv: [...process.execArgv, ...(process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean)],
      env: { ...process.env, KAFKA_NAMESPACE: namespace, KAFKA_CLIENT_ID: `detect-bench-${i}`, DETECT_IDLE_FLUSH_MS: '600000' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    w.on('message', (m: WorkerState | WorkerDone) => (m.type === 'state' ? states.set(i, m) : done.set(i, m)));
    workers.push(w);
  }
  try {
    const covered = (pick: (s: WorkerState) => number[], n: number) => {
      const all = [...states.values()].map(pick);
      return all.length === instances && all.every((a) => a.length > 0) && all.flat().sort((a, b) => a - b).join() === [...Array(n).keys()].join();
    };
    await until(() => covered((s) => s.assigned.enriched, Topics.flowsEnriched.partitions)
      && covered((s) => s.assigned.src, Topics.flowsBySource.partitions) && covered((s) => s.assigned.dst, Topics.flowsByDestination.partitions), 120_000, 'balanced groups');
    const t0 = await produce(client, logs, rate);
    const inLanes = () => [...states.values()].reduce((n, s) => n + s.inLanes, 0);
    await until(() => inLanes() >= 2 * rows, 600_000, 'every row in a lane');
    const seconds = (Date.now() - t0 - 100) / 1000; // reports come every 200 ms: on average 100 ms late
    collected.mark();
    for (const w of workers) w.send('stop');
    await until(() => done.size === instances, 120_000, 'workers to stop');
    await collected.settle();
    return {
      name: '', records: rows, seconds, ...collected.result(),
      peakRss: [peakRss(), ...[...done.values()].map((d) => d.peakRss)],
      lateDrops: [...done.values()].reduce((n, d) => n + d.lateDrops, 0),
    };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill();
    await client.close();
  }
}

function scenarios(): Scenario[] {
  const only = arg('only', '');
  const all: Scenario[] = [
    { name: 'engine alone, in-process (baseline)', kind: 'engine', instances: 1, rate: 0 },
    { name: 'two stages, no bus (baseline)', kind: 'pipeline', instances: 1, rate: 0 },
    { name: 'service consumers, in-process bus, saturated', kind: 'in-process', instances: 1, rate: 0 },
    { name: `service consumers, in-process bus, paced ${fmt(PACED)} rec/s`, kind: 'in-process', instances: 1, rate: PACED },
    ...(brokers.length ? [
      { name: 'kafka, 1 instance, saturated', kind: 'kafka' as const, instances: 1, rate: 0 },
      { name: 'kafka, 3 instances (3 processes), saturated', kind: 'kafka' as const, instances: 3, rate: 0 },
      { name: `kafka, 1 instance, paced ${fmt(PACED)} rec/s`, kind: 'kafka' as const, instances: 1, rate: PACED },
      { name: `kafka, 3 instances, paced ${fmt(PACED)} rec/s`, kind: 'kafka' as const, instances: 3, rate: PACED },
    ] : []),
  ];
  return all.filter((s) => !only || s.kind === only);
}

async function child(name: string): Promise<void> {
  const s = scenarios().find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}`);
  const r = s.kind === 'engine' ? runEngine() : s.kind === 'pipeline' ? runPipeline()
    : s.kind === 'in-process' ? await runInProcess(s.rate) : await runKafka(s.instances, s.rate);
  process.stdout.write(`\nRESULT ${JSON.stringify({ ...r, name })}\n`);
  process.exit(0);
}

function parent(): void {
  if (!brokers.length) console.log('KAFKA_BROKERS is not set: in-process scenarios only (node scripts/servers/servers.mjs up kafka; eval "$(node scripts/servers/servers.mjs env kafka)").');
  console.log(`input: simulator seed detect-scale, ${fmt(RECORDS)} records over ${HOURS} h of event time, attacks: scans, sweep, many-source flood, beaconing, SSH guessing`);
  const results: Result[] = [];
  for (const s of scenarios()) {
    process.stdout.write(`running ${s.name} ... `);
    const res = spawnSync(process.execPath, [...process.execArgv, __filename, ...args, '--child', s.name], { encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
    const line = res.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (res.status !== 0 || !line) {
      console.log('failed');
      console.error(res.stderr.slice(-4000) || res.stdout.slice(-4000));
      process.exitCode = 1;
      continue;
    }
    const r = JSON.parse(line.slice(7)) as Result;
    console.log(`${fmt(r.records / r.seconds)} rec/s`);
    results.push(r);
  }
  printTable(`Detect service — ${machineLine()}`,
    ['scenario', 'records', 'seconds', 'records/s', 'anomalies', 'delay p50 ms', 'delay p99 ms', 'delayed n', 'at flush', 'late', 'peak RSS MB'],
    results.map((r) => [
      r.name, fmt(r.records), fmt(r.seconds, 2), fmt(r.records / r.seconds), fmt(r.anomalies),
      r.delays.length ? fmt(percentile(r.delays, 50)) : '-', r.delays.length ? fmt(percentile(r.delays, 99)) : '-',
      fmt(r.delays.length), fmt(r.flushAnomalies), fmt(r.lateDrops), r.peakRss.map(mib).join(' + '),
    ]));
  console.log('\npeak RSS: the scenario process (input, producer, collector; for in-process rows also detect) + each detect worker process.');
}

const childIdx = args.indexOf('--child');
if (childIdx >= 0) {
  child(args[childIdx + 1] ?? '').catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  parent();
}
