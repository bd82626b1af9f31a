/**
 * Ports of the ingest pipeline. Delivery paths (Firehose, Kinesis, S3) are
 * framework-free: they receive these functions from the Nest ingest service,
 * which backs them with the Kafka bus, the dead-letter topic and Prometheus.
 */
import type { DeadLetterV1, FlowBatch } from '@flowguard/contracts';

/** Where a batch came from: used for the partition key, logs and dead letters. */
export interface BatchContext {
  /** delivery path */
  readonly source: 'firehose' | 'kinesis' | 's3' | 'file' | 'http';
  /** e.g. `firehose:<requestId>`, `kinesis:<stream>/<shard>@<seq>`, `s3://bucket/key` */
  readonly position: string;
  /** suggested partition key (shard id, ENI, object key) */
  readonly key: string;
  /** account/region/date when the delivery path knows them (S3 key layout) */
  readonly meta?: Readonly<Record<string, string>>;
}

/**
 * Durable hand-off of parsed flows. MUST resolve only when the batch is durably
 * accepted (the Kafka publish resolved): delivery paths acknowledge upstream
 * (Firehose 200, Kinesis checkpoint, S3 ledger) only after it resolves.
 */
export type FlowSink = (batch: FlowBatch, ctx: BatchContext) => Promise<void>;

/** Durable hand-off of what could not be processed (resolves when published). */
export type DeadLetterSink = (records: ReadonlyArray<DeadLetterV1>) => Promise<void>;

/** Counter sink: the service backs it with prom-client; tests read it back. */
export interface IngestMetrics {
  add(counter: string, value: number, labels?: Readonly<Record<string, string>>): void;
}

export const noopIngestMetrics: IngestMetrics = { add: () => undefined };

/** An in-memory metrics recorder (tests, benchmarks, the embedded mode's /metrics). */
export class CountingMetrics implements IngestMetrics {
  readonly values = new Map<string, number>();
  add(counter: string, value: number, labels?: Readonly<Record<string, string>>): void {
    const key = labels && Object.keys(labels).length
      ? `${counter}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',')}}`
      : counter;
    this.values.set(key, (this.values.get(key) ?? 0) + value);
  }
  get(key: string): number {
    return this.values.get(key) ?? 0;
  }
}

/**
 * The parser contract this library codes against; `parseFlowLogText` of
 * `@flowguard/flowlog` satisfies it. Injected rather than imported so the
 * delivery paths can be tested and wired independently of the parser version.
 */
export interface ParseErrorLike {
  readonly line: number;
  readonly field?: string | null;
  readonly reason: string;
  readonly message: string;
  readonly raw: string;
}
export interface ParseResultLike {
  readonly batch: FlowBatch;
  readonly errors: ReadonlyArray<ParseErrorLike>;
  readonly counts?: unknown;
}
export interface ParseOptions {
  /** custom `${field}` format when the text has no header line (Firehose, CloudWatch Logs) */
  readonly format?: string;
  readonly source?: string;
}
export type ParseFlowText = (text: string, options?: ParseOptions) => ParseResultLike;

/** Clock port: epoch ms. */
export type Clock = () => number;

/** A streaming text parser (`new FlowLogParser(opts)` of @flowguard/flowlog satisfies it). */
export interface StreamingFlowParser {
  push(chunk: string | Uint8Array): ParseResultLike[];
  end(): ParseResultLike;
}
export type CreateStreamingParser = (options: ParseOptions) => StreamingFlowParser;
