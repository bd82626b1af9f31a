import { loadIngestConfig } from '../ingest.config';
import { configProblems } from '../testing/config-problems';

const QUIET = { INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', FLOWS_PARQUET: 'false' };

const problems = (env: Record<string, string>) => configProblems({ ...QUIET, ...env });

describe('delivery state configuration', () => {
  it('defaults to local files; Firehose ids under FLOWGUARD_DATA_DIR, in memory without one', () => {
    expect(loadIngestConfig(QUIET).state).toEqual({ kind: 'file' });
    expect(loadIngestConfig(QUIET, { FLOWGUARD_DATA_DIR: '/var/fg' }).state).toEqual({ kind: 'file', firehoseIdFile: '/var/fg/firehose-request-ids.jsonl' });
    expect(loadIngestConfig({ ...QUIET, INGEST_FIREHOSE_REQUEST_ID_FILE: '/data/ids.jsonl' }, { FLOWGUARD_DATA_DIR: '/var/fg' }).state)
      .toEqual({ kind: 'file', firehoseIdFile: '/data/ids.jsonl' });
  });

  it('reads the DynamoDB mode with its table prefix, lease time, ledger retention and provisioning', () => {
    expect(loadIngestConfig({
      ...QUIET, INGEST_STATE_STORE: 'dynamodb', AWS_REGION: 'eu-west-1', DYNAMODB_TABLE_PREFIX: 'fg-prod-',
      INGEST_KINESIS_LEASE_MS: '30000', INGEST_S3_LEDGER_RETENTION_DAYS: '400', FLOWGUARD_PROVISION: 'true',
    }).state).toEqual({ kind: 'dynamodb', region: 'eu-west-1', tablePrefix: 'fg-prod-', provision: true, leaseMs: 30_000, ledgerRetentionDays: 400 });
    expect(loadIngestConfig({ ...QUIET, INGEST_STATE_STORE: 'dynamodb', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).state)
      .toEqual({ kind: 'dynamodb', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000', tablePrefix: 'flowguard-', provision: false, leaseMs: 20_000 });
  });

  it('names bad values and a DynamoDB mode without a region or endpoint', () => {
    expect(problems({ INGEST_STATE_STORE: 'redis', INGEST_KINESIS_LEASE_MS: '10', INGEST_S3_LEDGER_RETENTION_DAYS: '0' }).map((p) => p.split(':')[0]).sort())
      .toEqual(['INGEST_KINESIS_LEASE_MS', 'INGEST_S3_LEDGER_RETENTION_DAYS', 'INGEST_STATE_STORE']);
    expect(problems({ INGEST_STATE_STORE: 'dynamodb' })).toEqual(['INGEST_STATE_STORE=dynamodb requires AWS_REGION or DYNAMODB_ENDPOINT']);
  });
});
