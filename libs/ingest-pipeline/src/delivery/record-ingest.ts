/**
 * Shared by the Firehose and Kinesis paths: turn delivered records (each a
 * subscription payload or plain flow-log lines) into one parsed batch plus the
 * dead letters for everything that could not be used. Pure and synchronous.
 */
import { FlowBatch, type DeadLetterV1 } from '@flowguard/contracts';
import type { ParseFlowText } from '../ports/ingest.port';
import { decodeDeliveryRecord, DEFAULT_MAX_INFLATED_BYTES } from './cwl-subscription.decoder';
import { ingestDeadLetter } from './dead-letter';

export interface DeliveredRecord {
  readonly data: Uint8Array;
  /** where this record is, for dead letters: `firehose:<requestId>#3`, `kinesis:<stream>/<shard>@<seq>` */
  readonly position: string;
}

export interface RecordIngestOptions {
  readonly parse: ParseFlowText;
  /** `${field}` format of the lines: CloudWatch Logs and Firehose carry no header line */
  readonly format?: string;
  readonly consumer: string;
  readonly source: string;
  readonly now: number;
  readonly maxInflatedBytes?: number;
}

export interface RecordIngestCounts {
  records: number;
  /** CloudWatch Logs reachability probes, dropped */
  controlMessages: number;
  /** records that could not be decoded at all (bad gzip, bad subscription JSON, not UTF-8) */
  badRecords: number;
  lines: number;
  rows: number;
  parseErrors: number;
}

export interface RecordIngestResult {
  readonly batch: FlowBatch;
  readonly deadLetters: DeadLetterV1[];
  readonly counts: RecordIngestCounts;
}

export function ingestDeliveredRecords(records: ReadonlyArray<DeliveredRecord>, o: RecordIngestOptions): RecordIngestResult {
  const counts: RecordIngestCounts = { records: records.length, controlMessages: 0, badRecords: 0, lines: 0, rows: 0, parseErrors: 0 };
  const deadLetters: DeadLetterV1[] = [];
  const lines: string[] = [];
  // which record each line came from, so a parse error points at its record
  const origin: number[] = [];
  // index in `lines` of each record's first line, to report record-relative line numbers
  const firstLine: number[] = [];
  records.forEach((rec, idx) => {
    const d = decodeDeliveryRecord(rec.data, o.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
    if (d.kind === 'control') {
      counts.controlMessages++;
    } else if (d.kind === 'error') {
      counts.badRecords++;
      deadLetters.push(ingestDeadLetter({
        consumer: o.consumer, source: o.source, reason: d.reason, error: d.message,
        position: rec.position, payload: Buffer.from(rec.data.buffer, rec.data.byteOffset, rec.data.byteLength), failedAt: o.now,
      }));
    } else {
      firstLine[idx] = lines.length;
      for (const l of d.lines) {
        lines.push(l);
        origin.push(idx);
      }
    }
  });
  counts.lines = lines.length;
  if (lines.length === 0) return { batch: new FlowBatch(1), deadLetters, counts };

  const parsed = o.parse(lines.join('\n'), { ...(o.format ? { format: o.format } : {}), source: o.source });
  counts.rows = parsed.batch.length;
  counts.parseErrors = parsed.errors.length;
  for (const e of parsed.errors) {
    // parser lines are 1-based over the joined text
    const idx = origin[e.line - 1] ?? -1;
    const rec = records[idx];
    // line within its record (for a subscription payload: the log event's 1-based index)
    const recLine = rec ? e.line - (firstLine[idx] ?? 0) : e.line;
    deadLetters.push(ingestDeadLetter({
      consumer: o.consumer, source: o.source, reason: 'parse_error',
      error: `${e.reason}${e.field ? ` (${e.field})` : ''}: ${e.message}`,
      position: rec ? `${rec.position} line ${recLine}` : `line ${e.line}`,
      payload: e.raw, failedAt: o.now,
    }));
  }
  return { batch: parsed.batch, deadLetters, counts };
}
