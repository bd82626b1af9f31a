/**
 * The ingest service with S3 discovery by event notifications only
 * (INGEST_S3_LIST=false, INGEST_S3_SQS_QUEUE_URL): an object put into the
 * bucket (s3rver) and announced on the queue (moto's SQS) comes out as a
 * FlowBatch on flows.enriched, the message is deleted, and an event naming
 * another bucket is dead-lettered, not read. The root integration setup
 * exports S3_ENDPOINT and EC2_ENDPOINT (moto serves SQS too).
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Consumers, Topics, deadLetterTopic, type DeadLetterV1, type FlowBatch } from '@flowguard/contracts';
import type { Bus } from '@flowguard/messaging';
import { BUS, createServiceApp, HealthService, type ServiceApp } from '@flowguard/service-kit';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { IngestServiceModule } from '../ingest-service.module';
import { s3Client, sqsClient } from './aws-clients';
import { until } from '../testing/until';

jest.setTimeout(120_000);

const S3_ENDPOINT = process.env['S3_ENDPOINT'];
const SQS_ENDPOINT = process.env['SQS_ENDPOINT'] ?? process.env['EC2_ENDPOINT'];
const run = `ingev${Date.now().toString(36)}`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const line = (i: number) => `2 123456789012 eni-7 10.9.0.${i % 250} 10.7.1.1 ${2000 + i} 443 6 2 120 1700000000 1700000010 ACCEPT OK`;
const KEY = 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/123456789012_vpcflowlogs_us-east-1_fl-0abc_20231114T2210Z_hash.log.gz';
const event = (bucket: string) => JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: KEY } } }] });

describe('ingest S3 discovery by SQS event notifications (s3rver, moto)', () => {
  let s: ServiceApp;
  let queueUrl: string;
  const rows: string[] = [];
  const dead: DeadLetterV1[] = [];

  beforeAll(async () => {
    if (!S3_ENDPOINT || !SQS_ENDPOINT) throw new Error('S3_ENDPOINT and EC2_ENDPOINT (moto) must be set: run through jest.integration.config.js');
    const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-sqs-'));
    const s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT });
    await s3.send(new CreateBucketCommand({ Bucket: run }));
    await s3.send(new PutObjectCommand({ Bucket: run, Key: KEY, Body: gzipSync([HEADER, ...Array.from({ length: 25 }, (_, i) => line(i))].join('\n')) }));
    const sqs = await sqsClient({ region: 'us-east-1', endpoint: SQS_ENDPOINT });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: run }))).QueueUrl as string;

    const env = {
      FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: 'silent',
      INGEST_S3_BUCKET: run, S3_ENDPOINT, INGEST_S3_LEDGER_FILE: join(dir, 'ledger.jsonl'),
      INGEST_S3_LIST: 'false', INGEST_S3_SQS_QUEUE_URL: queueUrl, SQS_ENDPOINT,
      INGEST_IP_RANGES: 'bundled', FLOWS_DIR: join(dir, 'flows'),
    };
    s = await createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
    await s.app.init();
    const bus = s.app.get<Bus>(BUS);
    await bus.subscribe<FlowBatch>({
      group: Consumers.detect, topic: Topics.flowsEnriched,
      handle: async (batch) => {
        for (const { value } of batch) for (let i = 0; i < value.length; i++) rows.push(value.src(i));
      },
    });
    await bus.subscribe<DeadLetterV1>({
      group: Consumers.platform, topic: deadLetterTopic(Consumers.ingestRaw), // the platform's dead-letter view reads it so
      handle: async (batch) => void dead.push(...batch.map((m) => m.value)),
    });
  });

  afterAll(async () => {
    await s?.app.close();
  });

  it('reads the object an event names, once, deletes the message, and rejects events of other buckets', async () => {
    const sqs = await sqsClient({ region: 'us-east-1', endpoint: SQS_ENDPOINT as string });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event(run) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event(run) })); // a duplicate notification
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event('another-bucket') }));
    await until(() => (dead.length > 0 ? true : undefined), 30_000, 'a dead letter for the foreign bucket');
    await until(async () => {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      const left = Number(a.Attributes?.ApproximateNumberOfMessages) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible);
      return left === 0 ? true : undefined;
    }, 30_000, 'the queue drained');
    expect(rows.filter((r) => r.startsWith('10.9.0.'))).toHaveLength(25);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'validation_error', consumer: 'flowguard-ingest-s3' });
    expect(dead[0]?.error).toContain('another-bucket');
    const report = await s.app.get(HealthService).ready();
    expect(report.checks['s3']).toMatchObject({ ok: true, detail: `s3 ${run} (events)` });
  });
});
