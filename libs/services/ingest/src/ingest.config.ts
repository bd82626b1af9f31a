import { loadEnv, toInt, toList } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { IsArray, IsInt, IsString, Max, Min } from 'class-validator';

/** Variables of the ingest service (docs/services.md). */
export class IngestEnv {
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
}

export interface IngestConfig {
  readonly batchRows: number;
  readonly fileRoots: string[];
  readonly maxFileBytes: number;
  readonly maxDeadLettersPerRequest: number;
}

export const INGEST_CONFIG = Symbol.for('flowguard.IngestConfig');

export function loadIngestConfig(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): IngestConfig {
  const e = loadEnv(IngestEnv, env, [], defaults);
  return {
    batchRows: e.INGEST_BATCH_ROWS,
    fileRoots: e.INGEST_FILE_ROOTS,
    maxFileBytes: e.INGEST_MAX_FILE_BYTES,
    maxDeadLettersPerRequest: e.INGEST_MAX_DEAD_LETTERS_PER_REQUEST,
  };
}
