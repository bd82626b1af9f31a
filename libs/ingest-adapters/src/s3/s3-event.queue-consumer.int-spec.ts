/**
 * S3 event notifications through a real SQS API (moto, the server that also
 * answers EC2) onto real S3 objects (s3rver): messages are deleted only after
 * their objects are durable, a failed message comes back and is ingested once,
 * malformed and foreign-bucket messages are dead-lettered and deleted, and the
 * loop stops cleanly.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterV1, FlowBatch } from '@flowguard/contracts';
import { FlowLogParser } from '@flowguard/flowlog';
import { CountingMetrics } from '@flowguard/ingest-pipeline';
import { ec2Endpoint, s3Endpoint, type LocalServer } from '../testing/local-servers';
import { FileObjectLedger } from './file-object.ledger';
import { S3EventQueueConsumer, type S3EventQueueOptions } from './s3-event.queue-consumer';
import { S3FlowLogSource } from './s3-flow-log.source';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const text = (ids: number[]) => [HEADER, ...ids.map((id) => `2 123456789012 eni-1 10.0.0.1 10.0.0.2 ${id} 443 6 3 180 1700000000 1700000060 ACCEPT OK`)].join('\n') + '\n';
const keyAt = (minute: string) =>
  `AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/123456789012_vpcflowlogs_eu-west-1_fl-0abc_20240305T14${minute}Z_deadbeef.log.gz`;
const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const s3Event = (bucket: string, key: string) =>
  JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }] });
const viaSns = (inner: string) => JSON.stringify({ Type: 'Notification', Message: inner });

let moto: LocalServer | undefined;
let s3server: LocalServer;
let s3: S3Client;
let sqs: SQSClient;
let dir: string;
const bucket = `flow-logs-sqs-${Date.now()}`;

beforeAll(async () => {
  moto = await ec2Endpoint();
  if (!moto) {
    console.warn('SKIPPED: no EC2_ENDPOINT and no moto_server for SQS (scripts/servers starts one; or set MOTO_SERVER)');
    return;
  }
  dir = await mkdtemp(join(tmpdir(), 'fg-sqs-'));
  s3server = await s3Endpoint(join(dir, 'data'));
  s3 = new S3Client({ endpoint: s3server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await s3server?.stop();
  await moto?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Rig {
  readonly queueUrl: string;
  readonly seen: number[];
  readonly dead: DeadLetterV1[];
  readonly metrics: CountingMetrics;
  failSink: boolean;
  consumer(over?: Partial<S3EventQueueOptions>): S3EventQueueConsumer;
  send(body: string): Promise<void>;
  /** messages in the queue, visible or being handled */
  left(): Promise<number>;
}

async function rig(name: string): Promise<Rig> {
  const q = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}` }));
  const queueUrl = q.QueueUrl as string;
  const seen: number[] = [];
  const dead: DeadLetterV1[] = [];
  const metrics = new CountingMetrics();
  const r: Rig = {
    queueUrl, seen, dead, metrics, failSink: false,
    consumer: (over = {}) => {
      const source = new S3FlowLogSource({
        client: s3, bucket, ledger: new FileObjectLedger(join(dir, `${name}-ledger.jsonl`)),
        createParser: (o) => new FlowLogParser({ ...o, batchSize: 50 }),
        sink: async (b: FlowBatch) => {
          if (r.failSink) throw new Error('broker unavailable');
          for (let i = 0; i < b.length; i++) seen.push(b.srcPort[i] as number);
        },
        deadLetter: async (d) => void dead.push(...d),
        metrics,
      });
      return new S3EventQueueConsumer({
        client: sqs, queueUrl, handle: (body, pos) => source.handleEventMessage(body, pos), waitTimeSeconds: 1, metrics, ...over,
      });
    },
    send: async (body) => void (await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))),
    left: async () => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    },
  };
  return r;
}

it('ingests the objects events name, deletes each message after its objects are durable, dead-letters bad ones', async () => {
  if (!moto) return;
  const r = await rig('events');
  const [k1, k2] = [keyAt('00'), keyAt('05')];
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k1, Body: gzipSync(text(ids(100, 120))) }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: k2, Body: gzipSync(text(ids(300, 7))) }));
  await r.send(s3Event(bucket, k1));
  await r.send(viaSns(s3Event(bucket, k2))); // S3 → SNS → SQS fan-out
  await r.send(s3Event(bucket, k1)); // S3 may notify twice: the ledger answers already_done
  await r.send('{"Records": "not a list"}');
  await r.send(s3Event('somebody-elses-bucket', k1));
  const consumer = r.consumer();
  let received = 0;
  for (let pass = 0; pass < 10 && received < 5; pass++) received += (await consumer.runOnce()).received;
  expect(received).toBe(5);
  expect(r.seen.slice().sort((a, b) => a - b)).toEqual([...ids(100, 120), ...ids(300, 7)]);
  expect(r.dead.map((d) => d.reason).sort()).toEqual(['decode_error', 'validation_error']);
  expect(r.dead.find((d) => d.reason === 'validation_error')?.error).toContain('somebody-elses-bucket');
  expect(r.metrics.values.get('s3_event_messages_total{outcome=handled}')).toBe(5);
  expect(r.metrics.values.get('s3_objects_total{outcome=already_done}')).toBe(1);
  expect(r.metrics.values.get('s3_objects_total{outcome=foreign_bucket}')).toBe(1);
  expect(await r.left()).toBe(0);
});

it('keeps a message whose objects could not be published and ingests them once when it comes back', async () => {
  if (!moto) return;
  const r = await rig('retry');
  const key = keyAt('10');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(text(ids(500, 60))) }));
  await r.send(s3Event(bucket, key));
  const errors: string[] = [];
  // retry after 1 s instead of 30 (moto honours ChangeMessageVisibility)
  const consumer = r.consumer({ retryDelaySec: 1, onError: (e, what) => errors.push(`${what}: ${(e as Error).message}`) });
  r.failSink = true;
  expect(await consumer.runOnce()).toEqual({ received: 1, deleted: 0, failed: 1 });
  expect(errors).toEqual(['handle: broker unavailable']);
  expect(consumer.lastError).toBe('broker unavailable');
  expect(r.seen).toEqual([]);
  expect(await r.left()).toBe(1); // not deleted: in flight until its retry delay ends

  r.failSink = false;
  let deleted = 0;
  for (let pass = 0; pass < 10 && deleted === 0; pass++) deleted += (await consumer.runOnce()).deleted;
  expect(deleted).toBe(1);
  expect(r.seen.slice().sort((a, b) => a - b)).toEqual(ids(500, 60));
  expect(consumer.lastError).toBeUndefined();
  expect(r.metrics.values.get('s3_event_messages_total{outcome=retry}')).toBe(1);
  expect(await r.left()).toBe(0);
});

it('runs as a loop until stopped; stop returns while a long poll is waiting', async () => {
  if (!moto) return;
  const r = await rig('loop');
  const key = keyAt('20');
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(text(ids(700, 3))) }));
  const consumer = r.consumer({ waitTimeSeconds: 20 });
  consumer.start();
  await r.send(s3Event(bucket, key));
  const deadline = Date.now() + 30_000;
  while (r.seen.length < 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  expect(r.seen.slice().sort((a, b) => a - b)).toEqual(ids(700, 3));
  const t0 = Date.now();
  await consumer.stop(); // aborts the 20 s long poll
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(await r.left()).toBe(0);
});
