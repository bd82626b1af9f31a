/**
 * The ingest service with INGEST_STATE_STORE=dynamodb (kinesalite, s3rver,
 * DynamoDB Local): the table is provisioned at boot, and across a restart of the
 * service (a new process would have no local files: each boot gets a fresh
 * directory) a Firehose retry of an accepted request is not published again, an
 * ingested S3 object is not read again and Kinesis resumes after its checkpoints.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
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

jest.setTimeout(120_000);

const { KINESIS_ENDPOINT, S3_ENDPOINT, DYNAMODB_ENDPOINT } = process.env;
const run = `st${Date.now().toString(36)}`;
const prefix = `it-${run}-`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const line = (net: string, i: number) => `2 123456789012 eni-7 ${net}.${i % 250} 10.7.1.1 ${3000 + i} 443 6 2 120 1700000000 1700000010 ACCEPT OK`;
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const KEY = 'firehose-key-0123456789';

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ingest delivery state in DynamoDB across a restart', () => {
  const rows: string[] = [];
  let app: ServiceApp | undefined;

  async function boot(): Promise<{ app: ServiceApp; url: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-state-'));
    const env = {
      FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: 'silent',
      INGEST_STATE_STORE: 'dynamodb', DYNAMODB_ENDPOINT, DYNAMODB_TABLE_PREFIX: prefix, FLOWGUARD_PROVISION: 'true', AWS_REGION: 'us-east-1',
      INGEST_KINESIS_STREAM: run, KINESIS_ENDPOINT, INGEST_KINESIS_CHECKPOINT_FILE: join(dir, 'checkpoints.json'), INGEST_KINESIS_LEASE_MS: '3000',
      INGEST_S3_BUCKET: run, S3_ENDPOINT, INGEST_S3_LEDGER_FILE: join(dir, 'ledger.jsonl'), INGEST_S3_POLL_MS: '1000',
      INGEST_FIREHOSE_ACCESS_KEYS: KEY, INGEST_FIREHOSE_REQUEST_ID_FILE: join(dir, 'ids.jsonl'),
      INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', FLOWS_PARQUET: 'false',
    };
    const s = await createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
    await s.app.init();
    await s.app.get<Bus>(BUS).subscribe<FlowBatch>({
      group: Consumers.detect, topic: Topics.flowsEnriched,
      handle: async (batch) => {
        for (const { value } of batch) for (let i = 0; i < value.length; i++) rows.push(`${value.src(i)}:${value.srcPort[i]}`);
      },
    });
    await s.app.listen(0, '127.0.0.1');
    return { app: s, url: await s.app.getUrl() };
  }

  const firehose = (url: string, id: string, lines: string[]) => fetch(`${url}/v1/firehose`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-firehose-request-id': id, 'x-amz-firehose-access-key': KEY, 'x-amz-firehose-protocol-version': '1.0' },
    body: JSON.stringify({ requestId: id, timestamp: Date.now(), records: [{ data: Buffer.from(lines.join('\n')).toString('base64') }] }),
  });
  const count = (net: string) => rows.filter((r) => r.startsWith(`${net}.`)).length;

  beforeAll(async () => {
    if (!KINESIS_ENDPOINT || !S3_ENDPOINT || !DYNAMODB_ENDPOINT) throw new Error('KINESIS_ENDPOINT, S3_ENDPOINT and DYNAMODB_ENDPOINT must be set: run through jest.integration.config.js');
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT });
    // the service loads the adapters lazily; so does its spec
    const { createActiveStream } = await import('@flowguard/ingest-adapters');
    await createActiveStream(kinesis, run, 2);
    const s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT });
    await s3.send(new CreateBucketCommand({ Bucket: run }));
  });

  afterAll(async () => {
    await app?.app.close();
    const { createDynamoClients, deleteTables, tableNames } = await import('@flowguard/dynamodb');
    const c = createDynamoClients({ endpoint: DYNAMODB_ENDPOINT as string, region: 'us-east-1' });
    await deleteTables(c.client, { ingestState: tableNames(prefix).ingestState }).catch(() => undefined);
    c.destroy();
  });

  it('keeps every acknowledgement of the three paths across a restart', async () => {
    const first = await boot();
    app = first.app;
    const { createDynamoClients, tableNames } = await import('@flowguard/dynamodb');
    const c = createDynamoClients({ endpoint: DYNAMODB_ENDPOINT as string, region: 'us-east-1' });
    const t = await c.client.send(new DescribeTableCommand({ TableName: tableNames(prefix).ingestState }));
    c.destroy();
    expect(t.Table?.TableStatus).toBe('ACTIVE');
    expect((await first.app.app.get(HealthService).ready()).checks['ingest-state']).toMatchObject({ ok: true, detail: expect.stringContaining('ACTIVE') });

    // Firehose
    expect((await firehose(first.url, 'req-a', [line('10.21.0', 1), line('10.21.0', 2)])).status).toBe(200);
    // S3
    const s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT as string });
    const key = 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/123456789012_vpcflowlogs_us-east-1_fl-0abc_20231114T2210Z_hash.log.gz';
    await s3.send(new PutObjectCommand({ Bucket: run, Key: key, Body: gzipSync([HEADER, ...Array.from({ length: 25 }, (_, i) => line('10.22.0', i))].join('\n')) }));
    // Kinesis
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT as string });
    const putKinesis = (net: string, n: number) => kinesis.send(new PutRecordsCommand({
      StreamName: run, Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(line(net, i)) })),
    }));
    await putKinesis('10.23.0', 40);
    await until(() => count('10.21.0') === 2 && count('10.22.0') === 25 && count('10.23.0') === 40, 30_000, 'the first deliveries');

    await first.app.app.close(); // graceful: the Kinesis leases are released
    app = undefined;
    const second = await boot();
    app = second.app;
    // a Firehose retry of the accepted request (its 200 was "lost"): answered, not published
    expect((await firehose(second.url, 'req-a', [line('10.21.0', 1), line('10.21.0', 2)])).status).toBe(200);
    expect((await firehose(second.url, 'req-b', [line('10.24.0', 1)])).status).toBe(200);
    await putKinesis('10.25.0', 30);
    await until(() => count('10.24.0') === 1 && count('10.25.0') === 30, 30_000, 'the deliveries after the restart');
    await new Promise((r) => setTimeout(r, 2500)); // two more S3 polls and Kinesis reads: nothing old comes back
    expect(count('10.21.0')).toBe(2);
    expect(count('10.22.0')).toBe(25);
    expect(count('10.23.0')).toBe(40);
    expect(new Set(rows).size).toBe(rows.length);
  });
});
