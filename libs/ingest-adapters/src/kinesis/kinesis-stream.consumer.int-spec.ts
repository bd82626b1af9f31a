/**
 * Against kinesalite: a multi-shard stream of plain lines and CloudWatch Logs
 * subscription payloads; a restart resumes from the checkpoints with no loss,
 * and after a crash between publish and checkpoint only the uncommitted batch
 * is delivered again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DeadLetterV1, FlowBatch } from '@flowguard/contracts';
import type { CheckpointStore } from '@flowguard/ingest-pipeline';
import { cwlPayload } from '@flowguard/ingest-pipeline';
import { kinesisEndpoint, type LocalServer } from '../testing/local-servers';
import { parseFlowLogText } from '@flowguard/flowlog';
import { FileCheckpointStore } from './file-checkpoint.store';
import { KinesisStreamConsumer } from './kinesis-stream.consumer';
import { createActiveStream } from './kinesis-stream.admin';

// each line carries a unique id in srcport so duplicates and losses are visible
const line = (id: number) => `2 123456789012 eni-${id % 7} 10.0.${(id >> 8) & 255}.${id & 255} 10.9.9.9 ${id} 443 6 3 180 1700000000 1700000060 ACCEPT OK`;

const waitFor = async (cond: () => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('KinesisStreamConsumer against kinesalite', () => {
  let server: LocalServer;
  let client: KinesisClient;
  let dir: string;
  const stream = `flows-${Date.now()}`;
  let nextId = 1;

  async function put(n: number, mode: 'plain' | 'cwl'): Promise<number[]> {
    const ids = Array.from({ length: n }, () => nextId++);
    const entries = mode === 'plain'
      ? ids.map((id) => ({ Data: Buffer.from(line(id)), PartitionKey: `pk-${id}` }))
      : [0, 1, 2, 3].map((k) => ({ Data: cwlPayload(ids.filter((id) => id % 4 === k).map(line)), PartitionKey: `cwl-${k}-${nextId}` }));
    for (let i = 0; i < entries.length; i += 500) {
      const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries.slice(i, i + 500) }));
      expect(res.FailedRecordCount ?? 0).toBe(0);
    }
    return ids;
  }

  function consumer(checkpoints: CheckpointStore, seen: number[], dead: DeadLetterV1[], sinkHook?: () => Promise<void>) {
    return new KinesisStreamConsumer({
      client, streamName: stream, checkpoints, parse: (text) => parseFlowLogText(text), idleDelayMs: 50, limit: 97, backoffBaseMs: 20, shardRefreshMs: 500,
      sink: async (b: FlowBatch) => {
        await sinkHook?.();
        for (let i = 0; i < b.length; i++) seen.push(b.srcPort[i] as number);
      },
      deadLetter: async (d) => void dead.push(...d),
    });
  }

  beforeAll(async () => {
    server = await kinesisEndpoint();
    client = new KinesisClient({
      endpoint: server.endpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler(),
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    dir = await mkdtemp(join(tmpdir(), 'fg-kinesis-'));
    await createActiveStream(client, stream, 3);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads every shard, resumes from checkpoints after a graceful restart, and bounds duplicates after a crash', async () => {
    const cpPath = join(dir, 'checkpoints.json');
    const seen: number[] = [];
    const dead: DeadLetterV1[] = [];

    // phase 1: plain lines and subscription payloads (plus a probe and a bad line)
    const phase1 = [...(await put(300, 'plain')), ...(await put(200, 'cwl'))];
    await client.send(new PutRecordsCommand({ StreamName: stream, Records: [
      { Data: cwlPayload([], 'CONTROL_MESSAGE'), PartitionKey: 'probe' },
      { Data: Buffer.from('this is not a flow log line'), PartitionKey: 'bad' },
    ] }));
    const a = consumer(new FileCheckpointStore(cpPath), seen, dead);
    await a.start();
    await waitFor(() => seen.length >= phase1.length && dead.length >= 1);
    await a.stop();
    expect(a.snapshot()).toHaveLength(3);
    expect(a.snapshot().every((s) => s.records > 0)).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice().sort((x, y) => x - y)).toEqual(phase1);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'parse_error', consumer: 'flowguard-ingest-kinesis' });
    expect(dead[0]!.position).toMatch(new RegExp(`^kinesis:${stream}/shardId-\\d+@\\d+ line 1$`));

    // phase 2: a fresh consumer on the same checkpoint file sees only the new records
    const phase2 = await put(250, 'plain');
    const seen2: number[] = [];
    const b = consumer(new FileCheckpointStore(cpPath), seen2, dead);
    await b.start();
    await waitFor(() => seen2.length >= phase2.length);
    await new Promise((r) => setTimeout(r, 300)); // would-be re-deliveries arrive within this
    await b.stop();
    expect(seen2.slice().sort((x, y) => x - y)).toEqual(phase2);

    // phase 3: crash after the sink resolved but before the checkpoint was written
    const real = new FileCheckpointStore(cpPath);
    let crashed = false;
    let killHung!: (e: Error) => void;
    const hang = new Promise<void>((_, reject) => (killHung = reject));
    const crashing: CheckpointStore = {
      get: (s, sh) => real.get(s, sh),
      put: async (s, sh, seq) => {
        if (crashed) return hang;
        return real.put(s, sh, seq);
      },
    };
    const phase3 = await put(400, 'plain');
    const seen3: number[] = [];
    const lastBatchOfShard = new Map<string, number[]>();
    let crashBatch: number[] = [];
    const c = new KinesisStreamConsumer({
      client, streamName: stream, checkpoints: crashing, parse: (text) => parseFlowLogText(text), idleDelayMs: 50, limit: 97, backoffBaseMs: 20,
      sink: async (batch, ctx) => {
        if (crashed) return hang; // a dead process publishes nothing more
        const ids = Array.from(batch.srcPort.subarray(0, batch.length));
        seen3.push(...ids);
        lastBatchOfShard.set(ctx.key, ids);
        if (seen3.length >= 150) {
          crashed = true; // dies right after this publish, before its checkpoint
          crashBatch = ids;
        }
      },
      deadLetter: async () => undefined,
    });
    await c.start();
    await waitFor(() => crashed);
    await new Promise((r) => setTimeout(r, 200));
    // what may legitimately come again: per shard, the last batch whose checkpoint was not written
    const window = new Set([...lastBatchOfShard.values()].flat());

    const seen4: number[] = [];
    const d = consumer(new FileCheckpointStore(cpPath), seen4, dead);
    await d.start();
    const union = () => new Set([...seen3, ...seen4]);
    await waitFor(() => union().size >= phase3.length);
    await new Promise((r) => setTimeout(r, 300));
    await d.stop();
    // nothing lost
    expect([...union()].sort((x, y) => x - y)).toEqual(phase3);
    // re-emitted rows: the crash batch surely, and nothing beyond the last batch of each shard
    const dup = new Set(seen4.filter((id) => seen3.includes(id)));
    for (const id of crashBatch) expect(dup.has(id)).toBe(true);
    for (const id of dup) expect(window.has(id)).toBe(true);
    expect(dup.size).toBeLessThan(seen3.length);
    expect(new Set(seen4).size).toBe(seen4.length);

    // let the crashed consumer's hung calls fail so it can wind down
    const cStopped = c.stop();
    killHung(new Error('process is dead'));
    await cStopped;
  });
});
