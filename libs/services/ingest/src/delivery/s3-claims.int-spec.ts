/**
 * Two ingest tasks polling the same bucket with the DynamoDB ledger and object
 * claims (s3rver + DynamoDB Local): every object is read by one task only, and
 * an object whose task failed mid-way is free for the other at its next poll.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoClients } from '@flowguard/dynamodb';
import { FlowLogParser } from '@flowguard/flowlog';
import type { S3FlowLogSource } from '@flowguard/ingest-adapters';
import { gzipSync } from 'node:zlib';
import { s3Client } from './aws-clients';

jest.setTimeout(120_000);

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const line = (obj: number, i: number) => `2 123456789012 eni-7 10.${obj}.0.${i} 10.7.1.1 ${4000 + i} 443 6 2 120 1700000000 1700000010 ACCEPT OK`;
const keyOf = (n: number) => `AWSLogs/123456789012/vpcflowlogs/us-east-1/2023/11/14/123456789012_vpcflowlogs_us-east-1_fl-0abc_20231114T22${String(n).padStart(2, '0')}Z_h${n}.log.gz`;

describe('S3 object claims between ingest tasks (s3rver, DynamoDB Local)', () => {
  const run = `claims${Date.now().toString(36)}`;
  const tableName = `it-${run}-ingest-state`;
  let s3: S3Client;
  let dynamo: DynamoClients;
  let ddb: typeof import('@flowguard/dynamodb');
  let adapters: typeof import('@flowguard/ingest-adapters');

  function task(owner: string, rows: string[], sink: () => Promise<void> = async () => undefined): S3FlowLogSource {
    const ledger = new ddb.DynamoObjectLedger(dynamo.doc, { tableName, owner });
    return new adapters.S3FlowLogSource({
      client: s3, bucket: run, ledger, claims: ledger,
      createParser: (o) => new FlowLogParser({ ...o, batchSize: 4 }),
      sink: async (b) => {
        await sink();
        for (let i = 0; i < b.length; i++) rows.push(b.src(i));
      },
      deadLetter: async () => undefined,
    });
  }

  beforeAll(async () => {
    const { S3_ENDPOINT, DYNAMODB_ENDPOINT } = process.env;
    if (!S3_ENDPOINT || !DYNAMODB_ENDPOINT) throw new Error('S3_ENDPOINT and DYNAMODB_ENDPOINT must be set: run through jest.integration.config.js');
    ddb = await import('@flowguard/dynamodb');
    adapters = await import('@flowguard/ingest-adapters');
    s3 = await s3Client({ region: 'us-east-1', endpoint: S3_ENDPOINT });
    dynamo = ddb.createDynamoClients({ endpoint: DYNAMODB_ENDPOINT, region: 'us-east-1' });
    await ddb.ensureIngestStateTable(dynamo.client, tableName);
    await s3.send(new CreateBucketCommand({ Bucket: run }));
  });

  afterAll(async () => {
    await ddb?.deleteTables(dynamo.client, { ingestState: tableName }).catch(() => undefined);
    dynamo?.destroy();
    s3?.destroy();
  });

  it('reads each object once across two tasks polling at the same time, and frees a failed one', async () => {
    for (let n = 0; n < 8; n++) {
      await s3.send(new PutObjectCommand({ Bucket: run, Key: keyOf(n), Body: gzipSync([HEADER, ...Array.from({ length: 12 }, (_, i) => line(n, i))].join('\n')) }));
    }
    const rowsA: string[] = [];
    const rowsB: string[] = [];
    // slow sinks keep both tasks inside the same objects' window: without claims both would read them all
    const slow = () => new Promise<void>((r) => setTimeout(r, 20));
    const [a, b] = [task('A', rowsA, slow), task('B', rowsB, slow)];
    const [ra, rb] = await Promise.all([a.poll(), b.poll()]);
    const all = [...rowsA, ...rowsB];
    expect(all).toHaveLength(8 * 12);
    expect(new Set(all).size).toBe(all.length);
    const outcomes = [...ra, ...rb].map((r) => r.outcome).sort();
    expect(outcomes.filter((o) => o === 'ingested')).toHaveLength(8);
    expect(outcomes.every((o) => o === 'ingested' || o === 'claimed_elsewhere' || o === 'already_done')).toBe(true);

    // task C fails in the middle of a new object (publish error): it releases its claim, B takes the object at once
    await s3.send(new PutObjectCommand({ Bucket: run, Key: keyOf(20), Body: gzipSync([HEADER, ...Array.from({ length: 12 }, (_, i) => line(20, i))].join('\n')) }));
    let calls = 0;
    const c = task('C', [], async () => {
      if (++calls === 2) throw new Error('kafka down');
    });
    await expect(c.poll()).rejects.toThrow(/kafka down/);
    const again = await b.poll();
    expect(again.filter((r) => r.outcome === 'ingested').map((r) => r.key)).toEqual([keyOf(20)]);
    expect(rowsB.filter((r) => r.startsWith('10.20.0.'))).toHaveLength(12);
  });
});
