import { ConfigError, loadEnv, toBool, toInt, toList, type CrossCheck } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { join } from 'node:path';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { checkPipelineInputs, toPipelineConfig, type PipelineConfig } from './pipeline/pipeline.config';
import { PipelineEnv, pipelineChecks } from './pipeline/pipeline.env';

const FORMAT = /^\$\{[a-z0-9-]+\}( \$\{[a-z0-9-]+\})*$/;
const FORMAT_MESSAGE = 'must be ${field} tokens separated by single spaces (the flow log\'s LogFormat)';

/** Variables of the ingest service (docs/services.md): delivery paths here, the pipeline's in {@link PipelineEnv}. */
export class IngestEnv extends PipelineEnv {
  /** rows per FlowBatch message on flows.enriched (a Kafka message stays well under 1 MB) */
  @Transform(toInt) @IsInt({ message: 'must be an integer' }) @Min(64) @Max(65536)
  INGEST_BATCH_ROWS = 4096;

  /**
   * Directories `POST /v1/flows/file` may read from (comma-separated). Empty:
   * the endpoint is disabled, since reading server-side paths is for local use only.
   */
  @Transform(toList) @IsArray() @IsString({ each: true })
  INGEST_FILE_ROOTS: string[] = [];

  /** largest file `POST /v1/flows/file` reads, bytes */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of bytes' }) @Min(1024)
  INGEST_MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

  /** dead letters written per request at most; further bad lines are only counted (a flood of garbage must not flood the DLQ) */
  @Transform(toInt) @IsInt({ message: 'must be an integer' }) @Min(0)
  INGEST_MAX_DEAD_LETTERS_PER_REQUEST = 10000;

  // --- Amazon Data Firehose HTTP endpoint (POST /v1/firehose); on when a key is set ---
  /** accepted X-Amz-Firehose-Access-Key values, comma-separated (several during rotation) */
  @IsOptional() @Transform(toList) @IsArray() @ArrayMaxSize(8) @IsString({ each: true })
  @MinLength(16, { each: true, message: 'each key must be at least 16 characters' }) @MaxLength(4096, { each: true })
  INGEST_FIREHOSE_ACCESS_KEYS?: string[];

  /** accept Firehose requests without a key (local testing only) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_FIREHOSE_ALLOW_UNAUTHENTICATED = false;

  /** `${field}` format of the delivered lines (Firehose and CloudWatch Logs carry no header); default: the v2 default format */
  @IsOptional() @Matches(FORMAT, { message: FORMAT_MESSAGE })
  INGEST_FIREHOSE_FORMAT?: string;

  // --- Kinesis Data Streams consumer; on when a stream is named ---
  @IsOptional() @Matches(/^[a-zA-Z0-9_.-]{1,128}$/, { message: 'must be a Kinesis stream name' })
  INGEST_KINESIS_STREAM?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  KINESIS_ENDPOINT?: string;

  @IsOptional() @Matches(FORMAT, { message: FORMAT_MESSAGE })
  INGEST_KINESIS_FORMAT?: string;

  /** where shard checkpoints are kept (a volume in containers) */
  @IsString() @MinLength(1)
  INGEST_KINESIS_CHECKPOINT_FILE = '.flowguard/kinesis-checkpoints.json';

  @IsIn(['TRIM_HORIZON', 'LATEST'], { message: 'must be TRIM_HORIZON or LATEST' })
  INGEST_KINESIS_INITIAL_POSITION: 'TRIM_HORIZON' | 'LATEST' = 'TRIM_HORIZON';

  // --- S3 flow-log objects; on when a bucket is named ---
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name' })
  INGEST_S3_BUCKET?: string;

  @IsOptional() @IsString() @MaxLength(1024)
  INGEST_S3_PREFIX?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  S3_ENDPOINT?: string;

  /** record of processed objects (bucket, key, ETag), so a restart does not re-ingest */
  @IsString() @MinLength(1)
  INGEST_S3_LEDGER_FILE = '.flowguard/s3-ledger.jsonl';

  /** how often the bucket is listed for new objects, ms */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(1000)
  INGEST_S3_POLL_MS = 60_000;

  /**
   * SQS queue receiving the bucket's event notifications (S3 → SQS, or S3 → SNS → SQS,
   * or EventBridge → SQS): each message names new objects, read at once; the message is
   * deleted after they are published (docs/ingest.md)
   */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an SQS queue URL' })
  INGEST_S3_SQS_QUEUE_URL?: string;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  SQS_ENDPOINT?: string;

  /** seconds a received message stays invisible while its objects are read (extended every half) */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of seconds' }) @Min(30) @Max(43_200)
  INGEST_S3_SQS_VISIBILITY_SEC = 300;

  /**
   * list the bucket every INGEST_S3_POLL_MS; with a queue, listing is the safety net for
   * missed events (the ledger makes it idempotent) and can be switched off for huge buckets
   */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_S3_LIST = true;

  // --- where the delivery state lives (ADR 0023) ---
  /**
   * `file`: Kinesis checkpoints, the S3 ledger and Firehose request ids in local
   * files (one ingest process). `dynamodb`: in `<DYNAMODB_TABLE_PREFIX>ingest-state`,
   * shared by several ingest tasks (Kinesis shard leases, one ledger, one id set).
   */
  @IsIn(['file', 'dynamodb'], { message: 'must be file or dynamodb' })
  INGEST_STATE_STORE: 'file' | 'dynamodb' = 'file';

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  DYNAMODB_ENDPOINT?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' })
  DYNAMODB_TABLE_PREFIX?: string;

  /** create the ingest-state table at boot if missing (the platform service creates it too) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  FLOWGUARD_PROVISION = false;

  /**
   * accepted Firehose request ids with INGEST_STATE_STORE=file (a retry after a restart is not
   * ingested again); default `<FLOWGUARD_DATA_DIR>/firehose-request-ids.jsonl`, and in memory
   * when FLOWGUARD_DATA_DIR is unset (the memory-only mode keeps nothing on disk)
   */
  @IsOptional() @IsString() @MinLength(1)
  INGEST_FIREHOSE_REQUEST_ID_FILE?: string;

  /** Kinesis shard lease duration with INGEST_STATE_STORE=dynamodb, ms (renewed every third) */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(1000) @Max(600_000)
  INGEST_KINESIS_LEASE_MS = 20_000;

  /** with INGEST_STATE_STORE=dynamodb: S3 ledger entries expire after this many days (longer than the bucket keeps objects); unset: never */
  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be an integer number of days' }) @Min(1)
  INGEST_S3_LEDGER_RETENTION_DAYS?: number;
}

/** Where the Kinesis checkpoints, S3 ledger and Firehose request ids are kept. */
export type DeliveryStateConfig =
  /** firehoseIdFile absent: accepted ids in memory only */
  | { readonly kind: 'file'; readonly firehoseIdFile?: string }
  | {
    readonly kind: 'dynamodb'; readonly region: string; readonly endpoint?: string; readonly tablePrefix: string;
    readonly provision: boolean; readonly leaseMs: number; readonly ledgerRetentionDays?: number;
  };

export interface IngestConfig {
  readonly batchRows: number;
  readonly fileRoots: string[];
  readonly maxFileBytes: number;
  readonly maxDeadLettersPerRequest: number;
  /** absent: POST /v1/firehose answers 404 */
  readonly firehose?: { readonly accessKeys: string[]; readonly allowUnauthenticated: boolean; readonly format?: string };
  readonly kinesis?: {
    readonly stream: string; readonly region: string; readonly endpoint?: string; readonly format?: string;
    readonly checkpointFile: string; readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
  };
  readonly s3?: {
    readonly bucket: string; readonly prefix?: string; readonly region: string; readonly endpoint?: string; readonly ledgerFile: string;
    /** absent: the bucket is not listed (events only) */
    readonly pollMs?: number;
    /** S3 event notifications through SQS */
    readonly queue?: { readonly url: string; readonly endpoint?: string; readonly visibilitySec: number };
  };
  readonly state: DeliveryStateConfig;
  /** threat-intel marks, tier-1 filter, enrichment, flow storage */
  readonly pipeline: PipelineConfig;
}

const checks: CrossCheck<IngestEnv>[] = [
  (e) => (e.INGEST_KINESIS_STREAM && !e.AWS_REGION && !e.KINESIS_ENDPOINT ? 'INGEST_KINESIS_STREAM requires AWS_REGION' : null),
  (e) => (e.INGEST_S3_BUCKET && !e.AWS_REGION && !e.S3_ENDPOINT ? 'INGEST_S3_BUCKET requires AWS_REGION' : null),
  (e) => (e.INGEST_S3_SQS_QUEUE_URL && !e.INGEST_S3_BUCKET ? 'INGEST_S3_SQS_QUEUE_URL requires INGEST_S3_BUCKET (events naming other buckets are rejected)' : null),
  (e) => (e.INGEST_S3_BUCKET && !e.INGEST_S3_LIST && !e.INGEST_S3_SQS_QUEUE_URL ? 'INGEST_S3_LIST=false requires INGEST_S3_SQS_QUEUE_URL (nothing would find new objects)' : null),
  (e) => (e.FLOWS_S3_BUCKET && !e.AWS_REGION && !e.S3_ENDPOINT ? 'FLOWS_S3_BUCKET requires AWS_REGION' : null),
  (e) => (e.INGEST_STATE_STORE === 'dynamodb' && !e.AWS_REGION && !e.DYNAMODB_ENDPOINT ? 'INGEST_STATE_STORE=dynamodb requires AWS_REGION or DYNAMODB_ENDPOINT' : null),
  ...(pipelineChecks as CrossCheck<IngestEnv>[]),
];

export const INGEST_CONFIG = Symbol.for('flowguard.IngestConfig');

export function loadIngestConfig(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): IngestConfig {
  const e = loadEnv(IngestEnv, env, checks, defaults);
  const problems = checkPipelineInputs(e);
  if (problems.length) throw new ConfigError(problems);
  // a local endpoint (kinesalite, s3rver) needs some region; AWS needs the real one (checked above)
  const region = e.AWS_REGION ?? 'us-east-1';
  const firehoseIdFile = e.INGEST_FIREHOSE_REQUEST_ID_FILE ?? (e.FLOWGUARD_DATA_DIR ? join(e.FLOWGUARD_DATA_DIR, 'firehose-request-ids.jsonl') : undefined);
  const firehoseOn = (e.INGEST_FIREHOSE_ACCESS_KEYS?.length ?? 0) > 0 || e.INGEST_FIREHOSE_ALLOW_UNAUTHENTICATED;
  return {
    batchRows: e.INGEST_BATCH_ROWS,
    fileRoots: e.INGEST_FILE_ROOTS,
    maxFileBytes: e.INGEST_MAX_FILE_BYTES,
    maxDeadLettersPerRequest: e.INGEST_MAX_DEAD_LETTERS_PER_REQUEST,
    ...(firehoseOn ? {
      firehose: {
        accessKeys: e.INGEST_FIREHOSE_ACCESS_KEYS ?? [], allowUnauthenticated: e.INGEST_FIREHOSE_ALLOW_UNAUTHENTICATED,
        ...(e.INGEST_FIREHOSE_FORMAT ? { format: e.INGEST_FIREHOSE_FORMAT } : {}),
      },
    } : {}),
    ...(e.INGEST_KINESIS_STREAM ? {
      kinesis: {
        stream: e.INGEST_KINESIS_STREAM, region, ...(e.KINESIS_ENDPOINT ? { endpoint: e.KINESIS_ENDPOINT } : {}),
        ...(e.INGEST_KINESIS_FORMAT ? { format: e.INGEST_KINESIS_FORMAT } : {}),
        checkpointFile: e.INGEST_KINESIS_CHECKPOINT_FILE, initialPosition: e.INGEST_KINESIS_INITIAL_POSITION,
      },
    } : {}),
    ...(e.INGEST_S3_BUCKET ? {
      s3: {
        bucket: e.INGEST_S3_BUCKET, ...(e.INGEST_S3_PREFIX ? { prefix: e.INGEST_S3_PREFIX } : {}), region,
        ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}), ledgerFile: e.INGEST_S3_LEDGER_FILE,
        ...(e.INGEST_S3_LIST ? { pollMs: e.INGEST_S3_POLL_MS } : {}),
        ...(e.INGEST_S3_SQS_QUEUE_URL ? {
          queue: { url: e.INGEST_S3_SQS_QUEUE_URL, ...(e.SQS_ENDPOINT ? { endpoint: e.SQS_ENDPOINT } : {}), visibilitySec: e.INGEST_S3_SQS_VISIBILITY_SEC },
        } : {}),
      },
    } : {}),
    state: e.INGEST_STATE_STORE === 'dynamodb'
      ? {
        kind: 'dynamodb', region, ...(e.DYNAMODB_ENDPOINT ? { endpoint: e.DYNAMODB_ENDPOINT } : {}),
        tablePrefix: e.DYNAMODB_TABLE_PREFIX ?? 'flowguard-', provision: e.FLOWGUARD_PROVISION, leaseMs: e.INGEST_KINESIS_LEASE_MS,
        ...(e.INGEST_S3_LEDGER_RETENTION_DAYS !== undefined ? { ledgerRetentionDays: e.INGEST_S3_LEDGER_RETENTION_DAYS } : {}),
      }
      : { kind: 'file', ...(firehoseIdFile ? { firehoseIdFile } : {}) },
    pipeline: toPipelineConfig(e, e.S3_ENDPOINT),
  };
}
