/**
 * Builds {@link DeadLetterV1} records for input the ingest paths could not use.
 * Field limits mirror the contract's validators, so a record built here always
 * validates (long text is cut, never rejected).
 */
import type { DeadLetterV1 } from '@flowguard/contracts';

export const INGEST_DEAD_LETTER_REASONS = [
  'parse_error', 'decode_error', 'gzip_error', 'cwl_payload_error', 'record_too_large', 'object_error',
] as const;
export type IngestDeadLetterReason = (typeof INGEST_DEAD_LETTER_REASONS)[number];

export interface DeadLetterInput {
  /** the delivery path, e.g. `flowguard-ingest-firehose` */
  readonly consumer: string;
  /** where the input came from, e.g. `firehose:<arn>`, `kinesis:<stream>`, `s3:<bucket>` */
  readonly source: string;
  readonly reason: IngestDeadLetterReason | string;
  readonly error: string;
  readonly position?: string;
  /** the offending bytes (a line, a record, an object head) */
  readonly payload: Buffer | string;
  readonly failedAt: number;
  readonly key?: string;
}

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
/** dead letters carry at most this much of the offending payload (the raw topic keeps the rest) */
export const DEAD_LETTER_PAYLOAD_MAX = 256 * 1024;

export function ingestDeadLetter(i: DeadLetterInput): DeadLetterV1 {
  const bytes = typeof i.payload === 'string' ? Buffer.from(i.payload, 'utf8') : i.payload;
  return {
    consumer: cut(i.consumer, 64),
    sourceTopic: cut(i.source, 200),
    partition: -1,
    offset: '-1',
    key: i.key === undefined ? null : cut(i.key, 1024),
    reason: cut(i.reason, 64),
    error: cut(i.error, 4000),
    ...(i.position !== undefined ? { position: cut(i.position, 1024) } : {}),
    payload: bytes.subarray(0, DEAD_LETTER_PAYLOAD_MAX).toString('base64'),
    attempts: 1,
    failedAt: i.failedAt,
  };
}
