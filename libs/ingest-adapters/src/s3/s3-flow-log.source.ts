/**
 * S3 delivery path: flow-log objects (gzip text with a header line, or Parquet)
 * found by listing a prefix or named by S3 event notifications. Text objects
 * are streamed through gunzip into the streaming parser, and every parsed batch
 * is handed to the sink as it fills (bounded memory for 75 MB objects). The
 * object enters the processed-object ledger only after every batch and dead
 * letter of it was durably accepted; a crash mid-object re-ingests that object
 * (the at-least-once window is one object).
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectClaimStore } from '@flowguard/persistence';
import type { DeadLetterV1 } from '@flowguard/contracts';
import {
  ingestDeadLetter, noopIngestMetrics, parseFlowLogKey, parseS3EventMessage,
  type CreateStreamingParser, type DeadLetterSink, type FlowLogKey, type FlowSink, type IngestMetrics,
  type ParseResultLike, type ProcessedObjectLedger,
} from '@flowguard/ingest-pipeline';

export const S3_CONSUMER = 'flowguard-ingest-s3';

/**
 * Decodes a whole Parquet object into parse results, one per row batch:
 * `(bytes, source) => parseParquetFlowLogs(bytes, { source })` of @flowguard/flowlog.
 */
export type ParquetObjectDecoder = (bytes: Uint8Array, source: string) => AsyncIterable<ParseResultLike> | Promise<Iterable<ParseResultLike>>;

export interface S3SourceOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** listing prefix (default '' = whole bucket) */
  readonly prefix?: string;
  readonly ledger: ProcessedObjectLedger;
  /**
   * Per-object claims shared with the other ingest tasks polling the same
   * bucket (e.g. the DynamoObjectLedger): a new object is read by one task only.
   */
  readonly claims?: ObjectClaimStore;
  /** how long a claim holds (default 15 min: longer than reading the largest object takes) */
  readonly claimMs?: number;
  readonly createParser: CreateStreamingParser;
  /** without it Parquet objects are dead-lettered as unsupported */
  readonly decodeParquet?: ParquetObjectDecoder;
  readonly sink: FlowSink;
  readonly deadLetter: DeadLetterSink;
  readonly metrics?: IngestMetrics;
  /** dead letters are flushed in groups of this size while an object streams (default 1,000) */
  readonly deadLetterFlush?: number;
  /** ListObjectsV2 MaxKeys (default 1,000) */
  readonly pageSize?: number;
  /**
   * Buckets an event notification may name (default: `bucket` only). An event
   * naming another bucket is dead-lettered, not read: a queue anyone can send
   * to must not make ingest read whatever its role can reach.
   */
  readonly eventBuckets?: readonly string[];
}

export type ObjectOutcome = 'ingested' | 'already_done' | 'claimed_elsewhere' | 'not_flow_log' | 'missing' | 'dead_lettered' | 'foreign_bucket';

export interface ObjectReport {
  readonly bucket: string;
  readonly key: string;
  readonly outcome: ObjectOutcome;
  readonly rows: number;
  readonly parseErrors: number;
}

/** Errors in the object's bytes (not in our infrastructure): retrying cannot help. */
function isDataError(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code.startsWith('Z_') || code === 'ERR_PARQUET';
}

export class S3FlowLogSource {
  private readonly metrics: IngestMetrics;

  constructor(private readonly o: S3SourceOptions) {
    this.metrics = o.metrics ?? noopIngestMetrics;
  }

  /** List the prefix (no delimiter: s3rver drops nested folders with one) and ingest every new flow-log object, oldest key first. */
  async poll(): Promise<ObjectReport[]> {
    const found: Array<{ key: string; eTag: string }> = [];
    let token: string | undefined;
    do {
      const res = await this.o.client.send(new ListObjectsV2Command({
        Bucket: this.o.bucket, Prefix: this.o.prefix ?? '', MaxKeys: this.o.pageSize ?? 1000, ...(token ? { ContinuationToken: token } : {}),
      }));
      for (const c of res.Contents ?? []) if (c.Key && parseFlowLogKey(c.Key)) found.push({ key: c.Key, eTag: c.ETag ?? '' });
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const reports: ObjectReport[] = [];
    for (const f of found) {
      if (await this.o.ledger.has(this.o.bucket, f.key, f.eTag)) continue;
      reports.push(await this.ingestObject(this.o.bucket, f.key));
    }
    return reports;
  }

  /**
   * Handle one S3 event notification message (an SQS body). Resolves when every
   * object it names is durably ingested: delete the SQS message only then.
   * A malformed message is dead-lettered and resolves (do delete it).
   */
  async handleEventMessage(body: string, position = 'sqs'): Promise<ObjectReport[]> {
    const parsed = parseS3EventMessage(body);
    if (!parsed.ok) {
      this.metrics.add('ingest_bad_records_total', 1, { path: 's3-event' });
      await this.o.deadLetter([ingestDeadLetter({
        consumer: S3_CONSUMER, source: `s3:${this.o.bucket}`, reason: 'decode_error', error: `S3 event message: ${parsed.error}`,
        position, payload: body, failedAt: Date.now(),
      })]);
      return [];
    }
    const reports: ObjectReport[] = [];
    const allowed = this.o.eventBuckets ?? [this.o.bucket];
    for (const ref of parsed.objects) {
      if (!allowed.includes(ref.bucket)) {
        this.metrics.add('s3_objects_total', 1, { outcome: 'foreign_bucket' });
        await this.o.deadLetter([ingestDeadLetter({
          consumer: S3_CONSUMER, source: `s3:${ref.bucket}`, reason: 'validation_error', key: ref.key,
          error: `S3 event names bucket ${ref.bucket}, not one this ingest reads (${allowed.join(', ')})`, position, payload: body, failedAt: Date.now(),
        })]);
        reports.push({ bucket: ref.bucket, key: ref.key, outcome: 'foreign_bucket', rows: 0, parseErrors: 0 });
        continue;
      }
      reports.push(await this.ingestObject(ref.bucket, ref.key));
    }
    return reports;
  }

  /** Ingest one object unless the ledger has it. Throws on transient failures (retry later). */
  async ingestObject(bucket: string, key: string): Promise<ObjectReport> {
    const layout = parseFlowLogKey(key);
    const report = (outcome: ObjectOutcome, rows = 0, parseErrors = 0): ObjectReport => {
      this.metrics.add('s3_objects_total', 1, { outcome });
      return { bucket, key, outcome, rows, parseErrors };
    };
    if (!layout) return report('not_flow_log');
    let res;
    try {
      res = await this.o.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return report('missing');
      throw e;
    }
    const eTag = res.ETag ?? '';
    if (await this.o.ledger.has(bucket, key, eTag)) {
      (res.Body as Readable | undefined)?.destroy?.();
      return report('already_done');
    }
    const claims = this.o.claims;
    if (claims && !(await claims.claim(bucket, key, eTag, this.o.claimMs ?? 15 * 60_000, Date.now()))) {
      // another task is reading it (or just finished): its ledger entry will keep it from coming back
      (res.Body as Readable | undefined)?.destroy?.();
      return report('claimed_elsewhere');
    }
    try {
      return await this.ingestClaimed(bucket, key, eTag, layout, res.Body, report);
    } catch (e) {
      // transient failure: free the object for the next poll of any task instead of waiting out the claim
      if (claims) await claims.release(bucket, key, eTag).catch(() => undefined);
      throw e;
    }
  }

  private async ingestClaimed(
    bucket: string, key: string, eTag: string, layout: FlowLogKey, body: unknown,
    report: (outcome: ObjectOutcome, rows?: number, parseErrors?: number) => ObjectReport,
  ): Promise<ObjectReport> {
    const res = { Body: body };
    const source = `s3://${bucket}/${key}`;
    const ctxBase = { source: 's3' as const, key: `${layout.account}/${layout.region}`, meta: this.meta(layout) };
    const state = { rows: 0, parseErrors: 0, part: 0, dead: [] as DeadLetterV1[] };
    const take = async (r: ParseResultLike) => {
      if (r.batch.length > 0) {
        await this.o.sink(r.batch, { ...ctxBase, position: `${source}#${state.part++}` });
        state.rows += r.batch.length;
      }
      for (const e of r.errors) {
        state.parseErrors++;
        state.dead.push(ingestDeadLetter({
          consumer: S3_CONSUMER, source: `s3:${bucket}`, reason: 'parse_error', key,
          error: `${e.reason}${e.field ? ` (${e.field})` : ''}: ${e.message}`, position: `${source}:${e.line}`, payload: e.raw, failedAt: Date.now(),
        }));
      }
      if (state.dead.length >= (this.o.deadLetterFlush ?? 1000)) await this.flushDead(state.dead);
    };
    try {
      if (layout.format === 'parquet') {
        if (!this.o.decodeParquet) throw Object.assign(new Error('Parquet objects need a decodeParquet function'), { code: 'ERR_PARQUET' });
        const bytes = await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
        let results: AsyncIterable<ParseResultLike> | Iterable<ParseResultLike>;
        try {
          results = await this.o.decodeParquet(bytes, source);
        } catch (e) {
          throw Object.assign(e as Error, { code: 'ERR_PARQUET' });
        }
        // a sink failure here propagates as transient; decoder failures are data errors
        const it = (Symbol.asyncIterator in results ? results[Symbol.asyncIterator]() : (results as Iterable<ParseResultLike>)[Symbol.iterator]()) as AsyncIterator<ParseResultLike> | Iterator<ParseResultLike>;
        for (;;) {
          let step: IteratorResult<ParseResultLike>;
          try {
            step = await it.next();
          } catch (e) {
            throw Object.assign(e as Error, { code: 'ERR_PARQUET' });
          }
          if (step.done) break;
          await take(step.value);
        }
      } else {
        const parser = this.o.createParser({ source });
        for await (const chunk of this.textStream(res.Body as Readable)) for (const r of parser.push(chunk as Buffer)) await take(r);
        await take(parser.end());
      }
      await this.flushDead(state.dead);
    } catch (e) {
      if (!isDataError(e)) throw e; // transient: not in the ledger, the next poll or event retries it
      // the object itself is broken: rows before the damage were published; record the rest as dead
      await this.flushDead(state.dead);
      await this.o.deadLetter([ingestDeadLetter({
        consumer: S3_CONSUMER, source: `s3:${bucket}`, reason: 'object_error', key, error: `${(e as Error).message}`,
        position: `${source} after ${state.rows} rows`, payload: key, failedAt: Date.now(),
      })]);
      await this.o.ledger.markDone(bucket, key, eTag);
      this.metrics.add('ingest_rows_total', state.rows, { path: 's3' });
      return report('dead_lettered', state.rows, state.parseErrors);
    }
    await this.o.ledger.markDone(bucket, key, eTag);
    this.metrics.add('ingest_rows_total', state.rows, { path: 's3' });
    if (state.parseErrors) this.metrics.add('ingest_parse_errors_total', state.parseErrors, { path: 's3' });
    return report('ingested', state.rows, state.parseErrors);
  }

  private meta(k: FlowLogKey): Record<string, string> {
    const m: Record<string, string> = { account: k.account, region: k.region, date: k.date };
    if (k.hour) m['hour'] = k.hour;
    if (k.orgId) m['orgId'] = k.orgId;
    if (k.flowLogId) m['flowLogId'] = k.flowLogId;
    return m;
  }

  private async flushDead(dead: DeadLetterV1[]): Promise<void> {
    if (dead.length === 0) return;
    await this.o.deadLetter(dead.splice(0, dead.length));
  }

  /** The body, gunzipped when it starts with the gzip magic (keys lie; bytes do not). */
  private async *textStream(body: Readable): AsyncGenerator<Buffer> {
    const it = body[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const head = first.value as Buffer;
    const rest = Readable.from((async function* () {
      yield head;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value as Buffer;
    })());
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      const gunzip = createGunzip();
      rest.on('error', (e) => gunzip.destroy(e));
      yield* rest.pipe(gunzip) as AsyncIterable<Buffer>;
    } else {
      yield* rest as AsyncIterable<Buffer>;
    }
  }
}

