import { loadIngestConfig } from '../ingest.config';
import { configProblems } from '../testing/config-problems';

const QUIET = { INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', FLOWS_PARQUET: 'false', AWS_REGION: 'eu-west-1' };
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/flow-log-events';

const problems = (env: Record<string, string>) => configProblems({ ...QUIET, ...env });

describe('S3 discovery configuration (listing and/or event notifications)', () => {
  it('lists every INGEST_S3_POLL_MS without a queue', () => {
    expect(loadIngestConfig({ ...QUIET, INGEST_S3_BUCKET: 'flow-logs' }).s3).toEqual({
      bucket: 'flow-logs', region: 'eu-west-1', ledgerFile: '.flowguard/s3-ledger.jsonl', pollMs: 60_000,
    });
  });

  it('adds the SQS queue, keeps listing as the safety net unless INGEST_S3_LIST=false', () => {
    expect(loadIngestConfig({ ...QUIET, INGEST_S3_BUCKET: 'flow-logs', INGEST_S3_SQS_QUEUE_URL: QUEUE }).s3).toMatchObject({
      pollMs: 60_000, queue: { url: QUEUE, visibilitySec: 300 },
    });
    const eventsOnly = loadIngestConfig({
      ...QUIET, INGEST_S3_BUCKET: 'flow-logs', INGEST_S3_SQS_QUEUE_URL: QUEUE, INGEST_S3_LIST: 'false',
      SQS_ENDPOINT: 'http://127.0.0.1:5000', INGEST_S3_SQS_VISIBILITY_SEC: '900',
    }).s3;
    expect(eventsOnly?.pollMs).toBeUndefined();
    expect(eventsOnly?.queue).toEqual({ url: QUEUE, endpoint: 'http://127.0.0.1:5000', visibilitySec: 900 });
  });

  it('rejects a queue without a bucket, a bucket nothing would discover, and bad values', () => {
    expect(problems({ INGEST_S3_SQS_QUEUE_URL: QUEUE })).toEqual([
      'INGEST_S3_SQS_QUEUE_URL requires INGEST_S3_BUCKET (events naming other buckets are rejected)',
    ]);
    expect(problems({ INGEST_S3_BUCKET: 'flow-logs', INGEST_S3_LIST: 'false' })).toEqual([
      'INGEST_S3_LIST=false requires INGEST_S3_SQS_QUEUE_URL (nothing would find new objects)',
    ]);
    expect(problems({ INGEST_S3_BUCKET: 'flow-logs', INGEST_S3_SQS_QUEUE_URL: 'not a url', INGEST_S3_SQS_VISIBILITY_SEC: '5' }).map((p) => p.split(':')[0]).sort())
      .toEqual(['INGEST_S3_SQS_QUEUE_URL', 'INGEST_S3_SQS_VISIBILITY_SEC']);
  });
});
