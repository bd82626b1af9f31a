/**
 * The Parquet writer, retention and history queries on S3 (s3rver):
 * PutObject for small files, multipart for large ones, list + ranged reads.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { batchFromRecords, recordAt, type FlowRecord } from '@flowguard/contracts';
import { readFlowFile } from '../parquet/flow-parquet.reader';
import { parsePartitionPath } from '../parquet/partition-path';
import { PartitionedParquetWriter } from '../parquet/partitioned-parquet.writer';
import { FlowHistoryService } from '../query/flow-history.service';
import { validateFlowQuery } from '../query/flow-query';
import { ParquetFlowHistory } from '../query/parquet-flow.history';
import { ParquetRetention } from '../retention/flow-retention';
import { flowFixtures } from '../testing/flow-fixtures';
import { testS3Client, uniqueName } from '../testing/int-env';
import { must } from '../testing/must';
import { allPages, referenceQuery } from '../testing/reference-query';
import { S3ObjectSink } from './s3-object.sink';

const T0 = 1709596800; // 2024-03-05T00:00:00Z

describe('S3ObjectSink against s3rver', () => {
  let client: S3Client;
  const bucket = uniqueName('fg-flows').toLowerCase();

  beforeAll(async () => {
    client = testS3Client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  afterAll(async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    client.destroy();
  });

  it('writes partitioned files under the prefix with PutObject and reads back the same records', async () => {
    const sink = new S3ObjectSink({ client, bucket, prefix: 'small/' });
    const records = flowFixtures({ count: 300, start: T0, step: 37, rich: true, regions: ['us-east-1'] });
    const batch = batchFromRecords(records);
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
    await w.write(batch);
    expect(await sink.list()).toEqual([]);
    await w.flush();
    const objects = await sink.list();
    expect(objects.length).toBe(w.metrics().filesCommitted);
    const raw = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'small/account=' }));
    expect(raw.KeyCount).toBe(objects.length);
    const got: FlowRecord[] = [];
    for (const o of objects) {
      expect(parsePartitionPath(o.key)?.region).toBe('us-east-1');
      got.push(...(await readFlowFile(await sink.open(o.key))));
    }
    const expected = Array.from({ length: batch.length }, (_, i) => recordAt(batch, i));
    const byStart = (a: FlowRecord, b: FlowRecord) => (a.start as number) - (b.start as number);
    expect(got.sort(byStart)).toEqual(expected.sort(byStart));
    expect(sink.metrics()).toMatchObject({ putObjects: objects.length, multipartUploads: 0 });
  });

  it('streams a large file as a multipart upload', async () => {
    const sink = new S3ObjectSink({ client, bucket, prefix: 'large/', partSize: 5 * 1024 * 1024 });
    // random 1.5 kB tags hardly compress: 5,000 rows make a >6 MiB file
    const tag = () => randomBytes(1100).toString('base64');
    const records = flowFixtures({ count: 5000, start: T0, step: 0 }).map((r) => ({ ...r, fields: { 'instance-tag': tag() } }));
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1', rowGroupRows: 500 });
    for (let i = 0; i < records.length; i += 500) await w.write(batchFromRecords(records.slice(i, i + 500)));
    await w.flush();
    const [obj, ...rest] = await sink.list();
    expect(rest).toEqual([]);
    expect(obj?.size).toBeGreaterThan(5 * 1024 * 1024);
    expect(sink.metrics()).toMatchObject({ multipartUploads: 1, putObjects: 0 });
    expect(sink.metrics().partsUploaded).toBeGreaterThanOrEqual(2);
    const back = await readFlowFile(await sink.open(must(obj).key));
    expect(back.length).toBe(5000);
    expect(back[1234]?.fields?.['instance-tag']).toBe(records[1234]?.fields?.['instance-tag']);
  });

  it('aborts a multipart upload that is not committed: nothing becomes visible', async () => {
    const sink = new S3ObjectSink({ client, bucket, prefix: 'aborted/', partSize: 5 * 1024 * 1024 });
    const file = await sink.create('account=1/region=r/date=2024-03-05/hour=00/part-a.parquet');
    await file.write(new Uint8Array(6 * 1024 * 1024).fill(7));
    expect(sink.metrics().partsUploaded).toBe(1);
    await file.abort();
    expect(await sink.list()).toEqual([]);
    expect(sink.metrics().abortedUploads).toBe(1);
  });

  it('answers history queries from the bucket like a brute-force scan', async () => {
    const sink = new S3ObjectSink({ client, bucket, prefix: 'history/' });
    const records = flowFixtures({ count: 400, start: T0, step: 271, accounts: ['111111111111', '222222222222'], rich: true, seed: 21 });
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
    await w.write(batchFromRecords(records));
    await w.flush();
    const service = new FlowHistoryService(new ParquetFlowHistory({ sink }));
    for (const q of [
      { cidr: '10.0.1.0/24', from: T0, to: T0 + 2 * 86400, limit: 10 },
      { port: 443, action: 'ACCEPT' as const, from: T0 + 3600, to: T0 + 20 * 3600, limit: 15 },
      { ip: must(records[5]?.dstAddr), from: T0, to: T0 + 2 * 86400 },
    ]) {
      const { records: got } = await allPages((cursor) => service.query({ ...q, ...(cursor ? { cursor } : {}) }));
      expect(got).toEqual(referenceQuery(records, validateFlowQuery(q)));
    }
  });

  it('retention deletes the objects of old date partitions with DeleteObjects', async () => {
    const sink = new S3ObjectSink({ client, bucket, prefix: 'retention/' });
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
    await w.write(batchFromRecords(flowFixtures({ count: 50, start: T0, step: 86400 / 10 }))); // 2024-03-05 .. 03-09
    await w.flush();
    const before = await sink.list();
    // now = 2024-03-10T06:00Z, keep 2 days: 03-08 onwards
    const result = await new ParquetRetention({ sink, days: 2, now: () => (T0 + 5 * 86400 + 6 * 3600) * 1000 }).sweep();
    const after = await sink.list();
    expect(result.partitions).toBe(3);
    expect(result.objects).toBe(before.length - after.length);
    expect(new Set(after.map((o) => parsePartitionPath(o.key)?.date))).toEqual(new Set(['2024-03-08', '2024-03-09']));
    // other prefixes of the bucket are untouched
    expect((await new S3ObjectSink({ client, bucket, prefix: 'small/' }).list()).length).toBeGreaterThan(0);
  });
});
