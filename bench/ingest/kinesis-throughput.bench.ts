/**
 * Kinesis → sink throughput of KinesisStreamConsumer against kinesalite (or
 * KINESIS_ENDPOINT): CloudWatch Logs subscription payloads of 500 events each
 * over 2 shards, parsed by @flowguard/flowlog. Baseline in the same run: the
 * same consumer with a parser that only counts lines (read + decode cost).
 *
 *   scripts/run-ts.sh bench/ingest/kinesis-throughput.bench.ts [--records 200]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { FileCheckpointStore, KinesisStreamConsumer, createActiveStream } from '@flowguard/ingest-adapters';
import type { ParseFlowText } from '@flowguard/ingest-pipeline';

const argN = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const RECORDS = argN('records', 200);
const EVENTS = 500;

const port = () => new Promise<number>((r) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => r(p));
  });
});

async function main() {
  let endpoint = process.env['KINESIS_ENDPOINT'];
  let stop = () => undefined as void;
  if (!endpoint) {
    const p = await port();
    const child = spawn(join(__dirname, '..', '..', 'node_modules', '.bin', 'kinesalite'), ['--port', String(p), '--createStreamMs', '0'], { stdio: 'ignore' });
    stop = () => void child.kill();
    endpoint = `http://127.0.0.1:${p}`;
    await new Promise((r) => setTimeout(r, 1500));
  }
  const client = new KinesisClient({ endpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler(), credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const dir = mkdtempSync(join(tmpdir(), 'fg-kbench-'));
  const line = (i: number) => `2 123456789012 eni-0a1b2c3d4e5f60718 10.0.${(i >> 8) & 255}.${i & 255} 52.95.110.${i % 200} ${1024 + (i % 60000)} 443 6 ${1 + (i % 30)} ${200 + i} 1700000000 1700000060 ACCEPT OK`;

  async function run(label: string, parse: ParseFlowText): Promise<number> {
    const stream = `bench-${label}-${Date.now()}`;
    await createActiveStream(client, stream, 2);
    const payload = (r: number) => gzipSync(JSON.stringify({
      owner: '123456789012', logGroup: 'flows', logStream: 'eni', subscriptionFilters: ['f'], messageType: 'DATA_MESSAGE',
      logEvents: Array.from({ length: EVENTS }, (_, e) => ({ id: String(e), timestamp: 0, message: line(r * EVENTS + e) })),
    }));
    for (let r = 0; r < RECORDS; r += 100) {
      await client.send(new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: Math.min(100, RECORDS - r) }, (_, k) => ({ Data: payload(r + k), PartitionKey: `k${r + k}` })) }));
    }
    let rows = 0;
    const total = RECORDS * EVENTS;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const consumer = new KinesisStreamConsumer({
      client, streamName: stream, checkpoints: new FileCheckpointStore(join(dir, `${label}.json`)), parse, idleDelayMs: 20, limit: 100,
      sink: async (b) => {
        rows += b.length;
        if (rows >= total) done();
      },
      deadLetter: async () => undefined,
    });
    const t0 = process.hrtime.bigint();
    await consumer.start();
    await finished;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    await consumer.stop();
    console.log(`${label.padEnd(10)} ${total} rows in ${s.toFixed(2)} s = ${(total / s / 1000).toFixed(1)} k rows/s (${(RECORDS / s).toFixed(0)} Kinesis records/s)`);
    return total / s;
  }

  // baseline: read + gunzip + JSON, no field parsing (one row per line)
  const countLines: ParseFlowText = (text) => {
    const b = new FlowBatch(1);
    b.length = text.split('\n').length;
    return { batch: b, errors: [] };
  };
  await run('baseline', countLines);
  await run('parsed', parseFlowLogText);
  client.destroy();
  stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
