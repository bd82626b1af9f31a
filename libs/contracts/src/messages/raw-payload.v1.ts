import { IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';

export const RAW_ENCODINGS = ['text', 'cwl-gzip', 'gzip-text', 'parquet'] as const;
export type RawEncoding = (typeof RAW_ENCODINGS)[number];

/**
 * Flow-log bytes exactly as a delivery path received them (kept for replay and
 * audit), with where they came from and how to parse them.
 */
export class RawFlowPayloadV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:/=+@-]{1,512}$/) payloadId!: string;
  @IsIn(['http', 'file', 'kinesis', 's3', 'firehose', 'stdin', 'simulator']) source!: string;
  /** e.g. s3 key, file path, shard id + sequence */
  @IsString() @MaxLength(1024) position!: string;
  @IsIn(RAW_ENCODINGS) encoding!: RawEncoding;
  /** custom `${field}` format when the payload carries no header line */
  @IsOptional() @IsString() @MaxLength(4000) format?: string;
  /** base64 of the payload bytes */
  @IsString() data!: string;
  @IsInt() @Min(0) receivedAt!: number;
}
