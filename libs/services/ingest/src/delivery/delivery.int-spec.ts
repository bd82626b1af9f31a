/**
 * The ingest service's AWS delivery paths against real local servers
 * (kinesalite for Kinesis, s3rver for S3; the root integration setup exports
 * KINESIS_ENDPOINT and S3_ENDPOINT): records put into a stream and objects put
 * into a bucket come out of the service as FlowBatch messages on flows.enriched.
 * The bus is the in-process one: what is under test is the wiring, not Kafka.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Consumers, Topics, type FlowBatch } from '@flowguard/contracts';
import type { Bus } from '@flowguard/messaging';
import { BUS, createServiceApp, HealthService, type ServiceApp } from '@flowguard/service-kit';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { IngestServiceModule } from '../ingest-service.module';
import { kinesisClient, s3Client } from './aws-clients';
import { until } from '../testing/until';

jest.setTimeout(120_000);

const KINESIS_ENDPOINT = process.env['KINESIS_ENDPOINT'];
const S3_ENDPOINT = process.env['S3_ENDPOINT'];
const run = `ing${Date.now().toString(36)}`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const line = (i: number) => `2 123456789012 eni-7 10.7.0.${i % 250} 10.7.1.1 ${2000 + i} 443 6 2 120 1700000000 1700000010 ACCEPT OK`;

describe('ingest delivery paths (kinesalite, s3rver)', () => {
  let s: ServiceApp;
  const rows: string[] = [];

  beforeAll(async () => {
    if (!KINESIS_ENDPOINT || !S3_ENDPOINT) throw new Error('KINESIS_ENDPOINT and S3_ENDPOINT must be set: run through jest.integration.config.js');
    const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-int-'));
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT });
    // the service loads the adapters lazily; so does its spec
    const { createActiveStream } = await import('@flowguard/ingest-adapters');
    await createActiveStream(kinesis, run, 2);
    const s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT });
    await s3.send(new CreateBucketCommand({ Bucket: run }));

    const env = {
      FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: 'silent',
      INGEST_KINESIS_STREAM: run, KINESIS_ENDPOINT, INGEST_KINESIS_CHECKPOINT_FILE: join(dir, 'checkpoints.json'),
      INGEST_S3_BUCKET: run, S3_ENDPOINT, INGEST_S3_LEDGER_FILE: join(dir, 'ledger.jsonl'), INGEST_S3_POLL_MS: '1000',
      INGEST_IP_RANGES: 'bundled', FLOWS_DIR: join(dir, 'flows'),
    };
    s = await createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
    await s.app.init();
    await s.app.get<Bus>(BUS).subscribe<FlowBatch>({
      group: Consumers.detect, topic: Topics.flowsEnriched,
      handle: async (batch) => {
        for (const { value } of batch) for (let i = 0; i < value.length; i++) rows.push(value.src(i));
      },
    });
  });

  afterAll(async () => {
    await s?.app.close();
  });

  it('publishes Kinesis records (plain lines) as flow batches', async () => {
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT as string });
    await kinesis.send(new PutRecordsCommand({
      StreamName: run,
      Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`${line(i)}\n${line(i + 100)}`) })),
    }));
    await until(() => (rows.filter((r) => r.startsWith('10.7.0.')).length >= 40 ? true : undefined), 30_000, '40 Kinesis rows on flows.enriched');
  });

  it('publishes a gzip flow-log object from S3 once', async () => {
    const s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT as string });
    const body = gzipSync(['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
      ...Array.from({ length: 30 }, (_, i) => line(i).replace('10.7.0.', '10.8.0.'))].join('\n'));
    const key = `AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/123456789012_vpcflowlogs_us-east-1_fl-0abc_20231114T2210Z_hash.log.gz`;
    await s3.send(new PutObjectCommand({ Bucket: run, Key: key, Body: body }));
    await until(() => (rows.filter((r) => r.startsWith('10.8.0.')).length >= 30 ? true : undefined), 30_000, '30 S3 rows on flows.enriched');
    await new Promise((r) => setTimeout(r, 2500)); // two more polls: the ledger keeps the object from coming back
    expect(rows.filter((r) => r.startsWith('10.8.0.'))).toHaveLength(30);
  });

  it('reports both paths in readiness', async () => {
    const report = await s.app.get(HealthService).ready();
    expect(report.checks['kinesis']).toMatchObject({ ok: true });
    expect(report.checks['s3']).toMatchObject({ ok: true });
  });
});
