/**
 * Against s3rver: key layouts, gzip text with header, pagination, the
 * processed-object ledger across restarts, event notifications, a corrupt
 * object, and a sink failure mid-object (the object is retried whole).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DeadLetterV1, FlowBatch } from '@flowguard/contracts';
import { FlowLogParser, parseParquetFlowLogs } from '@flowguard/flowlog';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { BatchContext } from '@flowguard/ingest-pipeline';
import { s3Endpoint, type LocalServer } from '../testing/local-servers';
import { FileObjectLedger } from './file-object.ledger';
import { S3FlowLogSource, type S3SourceOptions } from './s3-flow-log.source';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (id: number) => `2 123456789012 eni-1 10.0.0.1 10.0.0.2 ${id} 443 6 3 180 1700000000 1700000060 ACCEPT OK`;
const text = (ids: number[], extra: string[] = []) => [HEADER, ...ids.map(row), ...extra].join('\n') + '\n';
const file = (region: string, ts: string) => `123456789012_vpcflowlogs_${region}_fl-0abc_${ts}_deadbeef.log.gz`;

const KEYS = {
  plain: `flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/${file('eu-west-1', '20240305T1400Z')}`,
  hourly: `flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/14/${file('eu-west-1', '20240305T1405Z')}`,
  hive: `flows/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2024/month=03/day=05/hour=14/${file('us-east-1', '20240305T1410Z')}`,
  org: `flows/AWSLogs/o-abcdef1234/123456789012/vpcflowlogs/eu-west-1/2024/03/06/${file('eu-west-1', '20240306T0000Z')}`,
  corrupt: `flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/07/${file('eu-west-1', '20240307T0000Z')}`,
  other: 'flows/AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/05/trail.json.gz',
};

describe('S3FlowLogSource against s3rver', () => {
  let server: LocalServer;
  let client: S3Client;
  let dir: string;
  // unique per run: the shared integration s3rver keeps buckets between runs
  const bucket = `flow-logs-${Date.now()}`;
  const seen: number[] = [];
  const ctxs: BatchContext[] = [];
  const dead: DeadLetterV1[] = [];
  let failSinkAfter = Infinity;

  const put = (key: string, body: Buffer) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const source = (over: Partial<S3SourceOptions> = {}) => new S3FlowLogSource({
    client, bucket, prefix: 'flows/', pageSize: 2, ledger: new FileObjectLedger(join(dir, 'ledger.jsonl')),
    createParser: (o) => new FlowLogParser({ ...o, batchSize: 50 }),
    decodeParquet: (bytes, src) => parseParquetFlowLogs(bytes, { source: src, batchSize: 50 }),
    sink: async (b: FlowBatch, ctx) => {
      if (seen.length + b.length > failSinkAfter) throw new Error('broker unavailable');
      for (let i = 0; i < b.length; i++) seen.push(b.srcPort[i] as number);
      ctxs.push(ctx);
    },
    deadLetter: async (d) => void dead.push(...d),
    ...over,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-s3-'));
    server = await s3Endpoint(join(dir, 'data'));
    client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen.length = 0;
    ctxs.length = 0;
    dead.length = 0;
    failSinkAfter = Infinity;
  });

  it('ingests every layout once, across a restart, with account/region/date from the key', async () => {
    const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    await put(KEYS.plain, gzipSync(text(ids(1000, 120), ['2 123456789012 eni-1 not-an-ip 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK'])));
    await put(KEYS.hourly, gzipSync(text(ids(2000, 10))));
    await put(KEYS.hive, gzipSync(text(ids(3000, 10))));
    await put(KEYS.org, gzipSync(text(ids(4000, 10))));
    await put(KEYS.other, gzipSync('{}'));

    const reports = await source().poll();
    expect(reports.map((r) => [r.key, r.outcome, r.rows])).toEqual([
      [KEYS.plain, 'ingested', 120],
      [KEYS.hourly, 'ingested', 10],
      [KEYS.hive, 'ingested', 10],
      [KEYS.org, 'ingested', 10],
    ]);
    expect(seen.slice().sort((a, b) => a - b)).toEqual([...ids(1000, 120), ...ids(2000, 10), ...ids(3000, 10), ...ids(4000, 10)]);
    // 120 rows of the plain object arrive as several batches (streaming, batchSize 50)
    expect(ctxs.filter((c) => c.position.startsWith(`s3://${bucket}/${KEYS.plain}#`)).length).toBe(3);
    expect(ctxs.find((c) => c.position.includes('aws-region=us-east-1'))?.meta).toEqual({ account: '123456789012', region: 'us-east-1', date: '2024-03-05', hour: '14', flowLogId: 'fl-0abc' });
    expect(ctxs.find((c) => c.position.includes('o-abcdef1234'))?.meta).toMatchObject({ orgId: 'o-abcdef1234', date: '2024-03-06' });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'parse_error', position: `s3://${bucket}/${KEYS.plain}:122` });

    // restart: a new source on the same ledger finds nothing new
    seen.length = 0;
    expect(await source().poll()).toEqual([]);
    expect(seen).toEqual([]);

    // an event for a processed object is a no-op; one for a new object ingests it
    const newKey = KEYS.plain.replace('T1400Z', 'T1415Z');
    await put(newKey, gzipSync(text(ids(5000, 5))));
    const event = (key: string) => JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/') } } }] });
    expect((await source().handleEventMessage(event(KEYS.hive))).map((r) => r.outcome)).toEqual(['already_done']);
    expect((await source().handleEventMessage(event(newKey))).map((r) => r.outcome)).toEqual(['ingested']);
    expect(seen.slice().sort((a, b) => a - b)).toEqual(ids(5000, 5));
    expect(await source().poll()).toEqual([]);
    expect(await source().handleEventMessage('{"not":"an event"}')).toEqual([]);
    expect(dead.at(-1)).toMatchObject({ reason: 'decode_error', consumer: 'flowguard-ingest-s3' });
  });

  it('retries an object whole when the sink fails mid-object, and dead-letters a corrupt object once', async () => {
    const key = KEYS.plain.replace('2024/03/05', '2024/03/08').replace('20240305', '20240308');
    await put(key, gzipSync(text(Array.from({ length: 200 }, (_, i) => 7000 + i))));
    failSinkAfter = 120;
    await expect(source().poll()).rejects.toThrow(/broker unavailable/);
    expect(seen.length).toBe(100);
    failSinkAfter = Infinity;
    seen.length = 0;
    const again = await source().poll();
    expect(again.map((r) => [r.key, r.rows])).toEqual([[key, 200]]);
    expect(seen.length).toBe(200);

    const good = gzipSync(text(Array.from({ length: 300 }, (_, i) => 8000 + i)));
    await put(KEYS.corrupt, Buffer.concat([good.subarray(0, good.length - 40), Buffer.from('garbage-garbage-garbage-garbage-garbage!')]));
    seen.length = 0;
    const r = await source().poll();
    expect(r.map((x) => x.outcome)).toEqual(['dead_lettered']);
    expect(dead.at(-1)).toMatchObject({ reason: 'object_error', key: KEYS.corrupt });
    expect(await source().poll()).toEqual([]);
  });

  it('ingests Parquet objects (underscore column names) and dead-letters an unreadable one', async () => {
    const n = 120;
    const ids = Array.from({ length: n }, (_, i) => 9000 + i);
    const buf = parquetWriteBuffer({ columnData: [
      { name: 'version', data: ids.map(() => 5), type: 'INT32' },
      { name: 'account_id', data: ids.map(() => '123456789012'), type: 'STRING' },
      { name: 'interface_id', data: ids.map(() => 'eni-1'), type: 'STRING' },
      { name: 'srcaddr', data: ids.map(() => '10.0.0.1'), type: 'STRING' },
      { name: 'dstaddr', data: ids.map(() => '52.217.1.1'), type: 'STRING' },
      { name: 'srcport', data: ids, type: 'INT32' },
      { name: 'dstport', data: ids.map(() => 443), type: 'INT32' },
      { name: 'protocol', data: ids.map(() => 6), type: 'INT32' },
      { name: 'packets', data: ids.map(() => 3n), type: 'INT64' },
      { name: 'bytes', data: ids.map(() => 180n), type: 'INT64' },
      { name: 'start', data: ids.map(() => 1700000000n), type: 'INT64' },
      { name: 'end', data: ids.map(() => 1700000060n), type: 'INT64' },
      { name: 'action', data: ids.map(() => 'ACCEPT'), type: 'STRING' },
      { name: 'log_status', data: ids.map(() => 'OK'), type: 'STRING' },
      { name: 'pkt_dst_aws_service', data: ids.map(() => 'S3'), type: 'STRING' },
    ] });
    const key = 'flows/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=04/day=01/123456789012_vpcflowlogs_eu-west-1_fl-0abc_20240401T0000Z_abc.log.parquet';
    await put(key, Buffer.from(buf));
    const broken = key.replace('20240401T0000Z', '20240401T0005Z');
    await put(broken, Buffer.from('PAR1 this is not parquet PAR1'));
    const reports = await source().poll();
    expect(reports.map((r) => [r.key, r.outcome, r.rows])).toEqual([[key, 'ingested', n], [broken, 'ingested', 0]]);
    expect(seen.slice().sort((a, b) => a - b)).toEqual(ids);
    expect(ctxs[0]?.meta).toMatchObject({ account: '123456789012', region: 'eu-west-1', date: '2024-04-01' });
    // the unreadable object is reported by the parser as a bad_parquet error: dead-lettered, recorded, not retried
    expect(dead.at(-1)).toMatchObject({ reason: 'parse_error', key: broken, error: expect.stringMatching(/bad_parquet/) });
    expect(await source().poll()).toEqual([]);
  });
});
