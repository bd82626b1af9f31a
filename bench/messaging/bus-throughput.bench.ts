/**
 * Publish → consume throughput, end-to-end latency and memory through the bus:
 * flow batches (one binary message per 5,000 records) vs one JSON message per
 * record, through a real Kafka broker (KafkaBus) and the in-process bus.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 scripts/run-ts.sh bench/messaging/bus-throughput.bench.ts \
 *     [--records 2000000] [--json-records 100000] [--batch 5000] [--paced-rate 100000] [--only kafka|in-process]
 *
 * Each scenario runs in its own child process so its peak RSS is its own.
 * Latency is publish-call start → handler sees the message, per message
 * (a flow batch is one message). Saturated runs measure queueing too; the
 * paced run shows latency at a steady, sustainable rate.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  Consumers, Topics, deadLetterTopic, type FlowBatch, type FlowRecord, type MessageCodec, type TopicDef,
} from '@flowguard/contracts';
import { KafkaBus } from '@flowguard/kafka';
import { InProcessBus, sampleFlowBatch, sampleFlowRecords, type Bus } from '@flowguard/messaging';
import { RssSampler, fmt, machineLine, mib, percentile, printTable } from '../common/bench-report';

type Transport = 'kafka' | 'in-process';
type Format = 'flow-batch' | 'json-record';

interface Scenario {
  readonly name: string;
  readonly transport: Transport;
  readonly format: Format;
  readonly records: number;
  /** records per second to publish at; 0 = as fast as the bus takes them */
  readonly rate: number;
}

interface Result {
  readonly scenario: Scenario;
  readonly messages: number;
  readonly records: number;
  readonly seconds: number;
  readonly wireBytes: number;
  readonly p50: number;
  readonly p99: number;
  readonly peakRss: number;
}

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : dflt;
};
const BATCH = Number(arg('batch', '5000'));
const JSON_PER_CALL = 1_000;
const IN_FLIGHT = 4;
const SENT_HEADER = 'x-bench-sent-at';
const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);

/** The baseline: the flow topic's name and partitions, one JSON document per record (bench-only codec). */
const jsonRecordCodec: MessageCodec<FlowRecord> = {
  contentType: 'application/json',
  encode: (r) => Buffer.from(JSON.stringify(r)),
  decode: (b) => {
    try {
      return { ok: true, value: JSON.parse(b.toString('utf8')) as FlowRecord };
    } catch (e) {
      return { ok: false, reason: 'decode_error', error: (e as Error).message };
    }
  },
};
const jsonRecordTopic: TopicDef<FlowRecord> = {
  ...(Topics.flowsEnriched as unknown as TopicDef<FlowRecord>),
  description: 'benchmark baseline: one JSON message per flow record',
  codec: jsonRecordCodec,
  key: (r) => r.interfaceId ?? '',
};

async function makeBus(transport: Transport): Promise<Bus> {
  if (transport === 'in-process') return new InProcessBus();
  const bus = new KafkaBus({ brokers, namespace: `bench-${randomUUID().slice(0, 8)}.`, clientId: 'flowguard-bench', maxWaitTimeMs: 100 });
  await bus.ensureTopics([Topics.flowsEnriched, deadLetterTopic(Consumers.detect)]);
  await bus.connect(); // the producer connects before the clock starts
  return bus;
}

async function runScenario(s: Scenario): Promise<Result> {
  const bus = await makeBus(s.transport);
  const rss = new RssSampler().start();
  const latencies: number[] = [];
  let consumedRecords = 0;
  let lastConsumed = 0;
  let wireBytes = 0;
  const flow = s.format === 'flow-batch';
  // a few distinct batches reused round-robin: generating 2 M records up front would dominate memory
  const batches: FlowBatch[] = flow ? Array.from({ length: 8 }, (_, i) => sampleFlowBatch(BATCH, i + 1)) : [];
  const records: FlowRecord[] = flow ? [] : sampleFlowRecords(JSON_PER_CALL * 8, 1);
  // message sizes measured once, outside the timed loop
  const batchBytes = batches.map((b) => Topics.flowsEnriched.codec.encode(b).byteLength);
  const recordBytes = records.map((r) => jsonRecordCodec.encode(r).byteLength);
  const perCall = flow ? BATCH : JSON_PER_CALL;
  const calls = Math.ceil(s.records / perCall);

  await bus.subscribe<FlowBatch | FlowRecord>({
    group: Consumers.detect,
    topic: (flow ? Topics.flowsEnriched : jsonRecordTopic) as TopicDef<FlowBatch | FlowRecord>,
    maxBatchSize: flow ? 16 : 1_000,
    handle: async (delivered) => {
      const now = Date.now();
      for (const d of delivered) {
        latencies.push(now - Number(d.meta.headers[SENT_HEADER]));
        consumedRecords += flow ? (d.value as FlowBatch).length : 1;
      }
      lastConsumed = now;
    },
  });

  const started = Date.now();
  let next = 0;
  const publisher = async () => {
    for (let c = next++; c < calls; c = next++) {
      if (s.rate > 0) {
        const due = started + (c * perCall * 1000) / s.rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const headers = { [SENT_HEADER]: String(Date.now()) };
      if (flow) {
        const b = batches[c % batches.length] as FlowBatch;
        wireBytes += batchBytes[c % batches.length] as number;
        await bus.publish(Topics.flowsEnriched, [b], { headers });
      } else {
        const from = (c % 8) * JSON_PER_CALL;
        const chunk = records.slice(from, from + JSON_PER_CALL);
        for (let i = from; i < from + chunk.length; i++) wireBytes += recordBytes[i] as number;
        await bus.publish(jsonRecordTopic, chunk, { headers });
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, publisher));
  const expected = calls * perCall;
  const deadline = Date.now() + 300_000;
  while (consumedRecords < expected) {
    if (Date.now() > deadline) throw new Error(`only ${consumedRecords} of ${expected} records consumed after 300 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const peakRss = rss.stop();
  await bus.close();
  latencies.sort((a, b) => a - b);
  return {
    scenario: s, messages: latencies.length, records: consumedRecords, seconds: (lastConsumed - started) / 1000,
    wireBytes, p50: percentile(latencies, 50), p99: percentile(latencies, 99), peakRss,
  };
}

function scenarios(): Scenario[] {
  const records = Number(arg('records', '2000000'));
  const jsonRecords = Number(arg('json-records', '100000'));
  const paced = Number(arg('paced-rate', '100000'));
  const only = arg('only', '');
  const list: Scenario[] = [];
  const transports: Transport[] = brokers.length > 0 ? ['kafka', 'in-process'] : ['in-process'];
  for (const t of transports) {
    if (only && only !== t) continue;
    list.push({ name: `${t}: flow batches, saturated`, transport: t, format: 'flow-batch', records, rate: 0 });
    list.push({ name: `${t}: flow batches, paced ${fmt(paced)} rec/s`, transport: t, format: 'flow-batch', records: Math.min(records, paced * 5), rate: paced });
    list.push({ name: `${t}: JSON per record (baseline), saturated`, transport: t, format: 'json-record', records: jsonRecords, rate: 0 });
  }
  return list;
}

async function child(name: string): Promise<void> {
  const s = scenarios().find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}`);
  const r = await runScenario(s);
  process.stdout.write(`\nRESULT ${JSON.stringify(r)}\n`);
}

function parent(): void {
  if (brokers.length === 0) {
    console.log('KAFKA_BROKERS is not set: running the in-process bus only. Start Kafka with `node scripts/servers/servers.mjs up kafka` and `eval "$(node scripts/servers/servers.mjs env kafka)"`.');
  }
  const results: Result[] = [];
  for (const s of scenarios()) {
    process.stdout.write(`running ${s.name} (${fmt(s.records)} records) ... `);
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
  printTable(`Bus throughput and latency — ${machineLine()}`,
    ['scenario', 'records', 'messages', 'seconds', 'records/s', 'MB sent', 'p50 ms', 'p99 ms', 'peak RSS MB'],
    results.map((r) => [
      r.scenario.name, fmt(r.records), fmt(r.messages), fmt(r.seconds, 2), fmt(r.records / r.seconds), mib(r.wireBytes),
      fmt(r.p50), fmt(r.p99), mib(r.peakRss),
    ]));
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
