/**
 * Kinesis consumers sharing shard leases and checkpoints in DynamoDB (kinesalite +
 * DynamoDB Local; KINESIS_ENDPOINT and DYNAMODB_ENDPOINT from the integration setup):
 * a consumer that dies mid-stream is replaced after its lease ran out with no loss
 * and no re-emission beyond its last batch per shard; two live consumers split the
 * shards, and a graceful stop hands the shards over at once.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { FlowBatch } from '@flowguard/contracts';
import type { DynamoClients, DynamoShardCheckpointStore } from '@flowguard/dynamodb';
import { parseFlowLogText } from '@flowguard/flowlog';
import type { KinesisStreamConsumer } from '@flowguard/ingest-adapters';
import type { ShardLeaseStore } from '@flowguard/persistence';

jest.setTimeout(120_000);

const line = (id: number) => `2 123456789012 eni-${id % 7} 10.0.${(id >> 8) & 255}.${id & 255} 10.9.9.9 ${id} 443 6 3 180 1700000000 1700000060 ACCEPT OK`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('Kinesis consumers with DynamoDB leases (kinesalite, DynamoDB Local)', () => {
  const run = `lease${Date.now().toString(36)}`;
  const tableName = `it-${run}-ingest-state`;
  let kinesis: KinesisClient;
  let dynamo: DynamoClients;
  let nextId = 1;
  // loaded like the service loads them (lazily: the AWS SDKs are not paid for in the embedded mode)
  let ddb: typeof import('@flowguard/dynamodb');
  let adapters: typeof import('@flowguard/ingest-adapters');
  const store = (owner: string) => new ddb.DynamoShardCheckpointStore(dynamo.doc, { tableName, owner });
  const stopAtEnd: KinesisStreamConsumer[] = [];
  let killHung: (e: Error) => void = () => undefined;

  const stream = (name: string, shards: number): Promise<void> => adapters.createActiveStream(kinesis, name, shards);

  async function put(name: string, n: number): Promise<number[]> {
    const ids = Array.from({ length: n }, () => nextId++);
    for (let i = 0; i < ids.length; i += 500) {
      const res = await kinesis.send(new PutRecordsCommand({
        StreamName: name, Records: ids.slice(i, i + 500).map((id) => ({ Data: Buffer.from(line(id)), PartitionKey: `pk-${id}` })),
      }));
      expect(res.FailedRecordCount ?? 0).toBe(0);
    }
    return ids;
  }

  function consumer(name: string, leases: ShardLeaseStore & DynamoShardCheckpointStore, sink: (b: FlowBatch, key: string) => Promise<void>) {
    const c = new adapters.KinesisStreamConsumer({
      client: kinesis, streamName: name, checkpoints: leases, leases, leaseMs: 1500, shardRefreshMs: 300,
      parse: (text) => parseFlowLogText(text), idleDelayMs: 50, limit: 37, backoffBaseMs: 20,
      sink: async (b, ctx) => sink(b, ctx.key), deadLetter: async () => undefined,
    });
    stopAtEnd.push(c);
    return c;
  }
  const ids = (b: FlowBatch) => Array.from(b.srcPort.subarray(0, b.length));

  beforeAll(async () => {
    const kEndpoint = process.env['KINESIS_ENDPOINT'];
    const dEndpoint = process.env['DYNAMODB_ENDPOINT'];
    if (!kEndpoint || !dEndpoint) throw new Error('KINESIS_ENDPOINT and DYNAMODB_ENDPOINT must be set: run through jest.integration.config.js');
    kinesis = new KinesisClient({ endpoint: kEndpoint, region: 'us-east-1', requestHandler: new NodeHttpHandler(), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    ddb = await import('@flowguard/dynamodb');
    adapters = await import('@flowguard/ingest-adapters');
    dynamo = ddb.createDynamoClients({ endpoint: dEndpoint, region: 'us-east-1' });
    await ddb.ensureIngestStateTable(dynamo.client, tableName);
  });

  afterAll(async () => {
    killHung(new Error('test over'));
    for (const c of stopAtEnd) await c.stop().catch(() => undefined);
    await ddb.deleteTables(dynamo.client, { ingestState: tableName }).catch(() => undefined);
    dynamo?.destroy();
    kinesis?.destroy();
  });

  it('a consumer that dies mid-stream is replaced: nothing lost, nothing re-emitted beyond its last batch per shard', async () => {
    const name = `${run}-crash`;
    await stream(name, 3);
    const all = await put(name, 600);

    // consumer A dies right after a publish, before that batch's checkpoint; its store then never answers again
    let dead = false;
    const hang = new Promise<never>((_, reject) => (killHung = reject));
    hang.catch(() => undefined);
    const realA = store('A');
    const storeA = new Proxy(realA, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => (dead ? hang : (v as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const seenA: number[] = [];
    const lastBatchOfShard = new Map<string, number[]>();
    const a = consumer(name, storeA, async (b, key) => {
      if (dead) return hang;
      seenA.push(...ids(b));
      lastBatchOfShard.set(key, ids(b));
      if (seenA.length >= 200) dead = true;
    });
    await a.start();
    await waitFor(() => dead, 30_000, 'consumer A to die');
    expect(a.heldShards()).toHaveLength(3);
    const window = new Set([...lastBatchOfShard.values()].flat());

    // B starts at once: it takes each of A's shards once A's lease on it ran out (1.5 s without renewal), from A's checkpoint
    const seenB: number[] = [];
    const b = consumer(name, store('B'), async (batch) => void seenB.push(...ids(batch)));
    await b.start();
    const union = () => new Set([...seenA, ...seenB]);
    await waitFor(() => union().size >= all.length, 60_000, 'every record');
    await sleep(500); // would-be re-deliveries arrive within this
    await b.stop();

    expect([...union()].sort((x, y) => x - y)).toEqual(all);
    expect(new Set(seenB).size).toBe(seenB.length);
    const again = seenB.filter((id) => seenA.includes(id));
    for (const id of again) expect(window.has(id)).toBe(true);
    expect(again.length).toBeLessThanOrEqual(3 * 37);
    // the checkpoints in DynamoDB are B's, at the end of each shard's records
    const rows = await realA.list(name);
    expect(rows.map((r) => r.owner)).toEqual([undefined, undefined, undefined]); // released by B's stop
    expect(rows.every((r) => r.checkpoint !== undefined)).toBe(true);

    const aStopped = a.stop();
    killHung(new Error('process is dead'));
    await aStopped;
  });

  it('two live consumers split the shards; a graceful stop hands them over at once', async () => {
    const name = `${run}-share`;
    await stream(name, 4);
    const byA: number[] = [];
    const byB: number[] = [];
    const a = consumer(name, store('A'), async (b) => void byA.push(...ids(b)));
    await a.start();
    expect(a.heldShards()).toHaveLength(4);
    const b = consumer(name, store('B'), async (batch) => void byB.push(...ids(batch)));
    await b.start();
    await waitFor(() => a.heldShards().length === 2 && b.heldShards().length === 2, 20_000, 'two shards each');
    expect([...a.heldShards(), ...b.heldShards()].sort()).toHaveLength(4);

    const first = await put(name, 800);
    await waitFor(() => byA.length + byB.length >= first.length, 30_000, 'the first records');
    await sleep(500);
    expect([...byA, ...byB].sort((x, y) => x - y)).toEqual(first); // each once
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);

    await a.stop(); // releases its leases: B takes them at its next refresh, not after the lease time
    const handedAt = Date.now();
    await waitFor(() => b.heldShards().length === 4, 10_000, 'B to hold every shard');
    expect(Date.now() - handedAt).toBeLessThan(1500);
    const second = await put(name, 400);
    const before = byB.length;
    await waitFor(() => byB.length - before >= second.length, 30_000, 'the second records');
    await sleep(500);
    await b.stop();
    expect(byB.slice(before).sort((x, y) => x - y)).toEqual(second);
  });
});
