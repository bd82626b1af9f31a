/**
 * Amazon Data Firehose HTTP-endpoint destination, framework-free: the Nest
 * controller (or a bare node:http server) passes method, headers and the raw
 * body, and writes back status, headers and body exactly as returned.
 *
 * Contract (awsdocs httpdeliveryrequestresponse.md; see docs/ingest.md):
 * - POST JSON `{requestId, timestamp, records:[{data: base64}]}`, optional gzip
 *   Content-Encoding, 1–10,000 records, each ≤ 1,024,000 bytes decoded;
 * - `X-Amz-Firehose-Access-Key` compared in constant time;
 * - response JSON `{requestId, timestamp[, errorMessage]}` echoing the request id;
 * - only 200 is success and it is sent ONLY after the sink resolved (durable);
 *   413 is permanent (Firehose does not retry), anything else is retried, with
 *   the same request id, which we use to drop retries of accepted requests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { noopIngestMetrics, type Clock, type DeadLetterSink, type FlowSink, type IngestMetrics, type ParseFlowText } from '../ports/ingest.port';
import { BoundedAcceptedRequestStore, type AcceptedRequestStore } from './accepted-request.store';
import { ingestDeliveredRecords, type DeliveredRecord } from './record-ingest';

export const FIREHOSE_CONSUMER = 'flowguard-ingest-firehose';

export interface FirehoseHttpRequest {
  readonly method: string;
  /** header names in any case; node:http gives lower-case */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface FirehoseHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface FirehoseLimits {
  /** bytes of the body as received (compressed or not); default 96 MiB */
  readonly maxBodyBytes: number;
  /** bytes of the JSON after gunzip; default 96 MiB (64 MiB of data grows ~4/3 in base64) */
  readonly maxInflatedBytes: number;
  readonly maxRecords: number;
  readonly maxRecordBytes: number;
}

export const FIREHOSE_LIMITS: FirehoseLimits = {
  maxBodyBytes: 96 * 1024 * 1024,
  maxInflatedBytes: 96 * 1024 * 1024,
  maxRecords: 10_000,
  maxRecordBytes: 1_024_000,
};

export interface FirehoseEndpointOptions {
  /** accepted access keys (several during rotation). Empty means no key is configured */
  readonly accessKeys: ReadonlyArray<string>;
  /** must be set explicitly to run without an access key (local development only) */
  readonly allowUnauthenticated?: boolean;
  readonly parse: ParseFlowText;
  /** `${field}` format of the delivered lines (Firehose payloads carry no header) */
  readonly format?: string;
  readonly sink: FlowSink;
  readonly deadLetter: DeadLetterSink;
  readonly acceptedIds?: AcceptedRequestStore;
  readonly metrics?: IngestMetrics;
  readonly now?: Clock;
  readonly limits?: Partial<FirehoseLimits>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function header(h: FirehoseHttpRequest['headers'], name: string): string | undefined {
  const direct = h[name] ?? h[name.toLowerCase()];
  const v = direct ?? Object.entries(h).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  return Array.isArray(v) ? v[0] : v;
}

export class FirehoseEndpointHandler {
  private readonly keyDigests: Buffer[];
  private readonly limits: FirehoseLimits;
  private readonly accepted: AcceptedRequestStore;
  private readonly metrics: IngestMetrics;
  private readonly now: Clock;
  /** a retry that arrives while the first attempt is still publishing waits for it */
  private readonly inFlight = new Map<string, Promise<FirehoseHttpResponse>>();

  constructor(private readonly o: FirehoseEndpointOptions) {
    if (o.accessKeys.length === 0 && !o.allowUnauthenticated) {
      throw new Error('Firehose endpoint: configure at least one access key (or allowUnauthenticated for local use)');
    }
    this.keyDigests = o.accessKeys.map(sha256);
    this.limits = { ...FIREHOSE_LIMITS, ...(o.limits ?? {}) };
    this.accepted = o.acceptedIds ?? new BoundedAcceptedRequestStore();
    this.metrics = o.metrics ?? noopIngestMetrics;
    this.now = o.now ?? Date.now;
  }

  async handle(req: FirehoseHttpRequest): Promise<FirehoseHttpResponse> {
    const headerId = header(req.headers, 'x-amz-firehose-request-id') ?? '';
    try {
      if (req.method.toUpperCase() !== 'POST') throw new HttpError(405, `method ${req.method} not allowed; Firehose POSTs`);
      this.authenticate(header(req.headers, 'x-amz-firehose-access-key'));
      const ctype = header(req.headers, 'content-type');
      if (ctype && !/^application\/json\b/i.test(ctype)) throw new HttpError(415, `Content-Type must be application/json, got ${ctype}`);
      if (req.body.length > this.limits.maxBodyBytes) throw new HttpError(413, `body of ${req.body.length} bytes exceeds ${this.limits.maxBodyBytes}`);
      const doc = this.readBody(req.body, header(req.headers, 'content-encoding'));
      const requestId = this.requestIdOf(doc, headerId);

      if (await this.knownId(requestId)) {
        this.metrics.add('firehose_requests_total', 1, { outcome: 'duplicate' });
        return this.respond(200, requestId);
      }
      const running = this.inFlight.get(requestId);
      if (running) {
        this.metrics.add('firehose_requests_total', 1, { outcome: 'concurrent_retry' });
        return await running;
      }
      const work = this.ingest(requestId, doc, header(req.headers, 'x-amz-firehose-source-arn'));
      this.inFlight.set(requestId, work);
      try {
        return await work;
      } finally {
        this.inFlight.delete(requestId);
      }
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      this.metrics.add('firehose_requests_total', 1, { outcome: String(status) });
      return this.respond(status, headerId, e instanceof HttpError ? e.message : `internal error: ${(e as Error).message}`);
    }
  }

  private authenticate(presented: string | undefined): void {
    if (this.keyDigests.length === 0) return;
    const got = sha256(presented ?? '');
    // compare against every key without an early exit, so timing says nothing about which matched
    let ok = false;
    for (const k of this.keyDigests) ok = timingSafeEqual(k, got) || ok;
    if (!ok || presented === undefined) throw new HttpError(401, 'missing or invalid X-Amz-Firehose-Access-Key');
  }

  private readBody(body: Buffer, encoding: string | undefined): Record<string, unknown> {
    let json = body;
    const enc = (encoding ?? 'identity').trim().toLowerCase();
    if (enc === 'gzip') {
      try {
        json = gunzipSync(body, { maxOutputLength: this.limits.maxInflatedBytes });
      } catch (e) {
        const msg = (e as Error).message;
        if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test(msg)) {
          throw new HttpError(413, `decompressed body exceeds ${this.limits.maxInflatedBytes} bytes`);
        }
        throw new HttpError(400, `Content-Encoding gzip but the body is not valid gzip: ${msg}`);
      }
    } else if (enc !== 'identity' && enc !== '') {
      throw new HttpError(415, `unsupported Content-Encoding ${encoding}`);
    } else if (json.length > this.limits.maxInflatedBytes) {
      throw new HttpError(413, `body exceeds ${this.limits.maxInflatedBytes} bytes`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(json.toString('utf8'));
    } catch (e) {
      throw new HttpError(400, `malformed JSON body: ${(e as Error).message}`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new HttpError(400, 'body must be a JSON object');
    return doc as Record<string, unknown>;
  }

  private requestIdOf(doc: Record<string, unknown>, headerId: string): string {
    const bodyId = doc['requestId'];
    if (bodyId !== undefined && typeof bodyId !== 'string') throw new HttpError(400, 'requestId must be a string');
    if (headerId && bodyId && headerId !== bodyId) throw new HttpError(400, 'X-Amz-Firehose-Request-Id does not match the body requestId');
    const id = (bodyId as string | undefined) || headerId;
    if (!id || id.length > 256) throw new HttpError(400, 'missing or oversized requestId');
    return id;
  }

  private decodeRecords(doc: Record<string, unknown>, requestId: string): DeliveredRecord[] {
    const records = doc['records'];
    if (!Array.isArray(records)) throw new HttpError(400, 'records must be an array');
    if (records.length === 0) throw new HttpError(400, 'records is empty; Firehose sends 1 to 10,000');
    if (records.length > this.limits.maxRecords) throw new HttpError(413, `${records.length} records exceed the limit of ${this.limits.maxRecords}`);
    const out: DeliveredRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as { data?: unknown } | null;
      const data = r && typeof r === 'object' ? r.data : undefined;
      if (typeof data !== 'string') throw new HttpError(400, `records[${i}].data must be a base64 string`);
      // decoded size is known from the base64 length, before allocating
      const decodedLen = Math.floor((data.length * 3) / 4) - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0);
      if (decodedLen > this.limits.maxRecordBytes) throw new HttpError(413, `records[${i}] is ${decodedLen} bytes decoded; the limit is ${this.limits.maxRecordBytes}`);
      if (data.length % 4 !== 0 || !BASE64.test(data)) throw new HttpError(400, `records[${i}].data is not valid base64`);
      out.push({ data: Buffer.from(data, 'base64'), position: `firehose:${requestId}#${i}` });
    }
    return out;
  }

  private async ingest(requestId: string, doc: Record<string, unknown>, sourceArn: string | undefined): Promise<FirehoseHttpResponse> {
    const records = this.decodeRecords(doc, requestId);
    const source = `firehose:${sourceArn ?? 'unknown'}`;
    const res = ingestDeliveredRecords(records, {
      parse: this.o.parse, ...(this.o.format ? { format: this.o.format } : {}),
      consumer: FIREHOSE_CONSUMER, source, now: this.now(), maxInflatedBytes: this.limits.maxInflatedBytes,
    });
    const c = res.counts;
    const persist: Promise<void>[] = [];
    if (res.batch.length > 0) persist.push(this.o.sink(res.batch, { source: 'firehose', position: `firehose:${requestId}`, key: sourceArn ?? requestId }));
    if (res.deadLetters.length > 0) persist.push(this.o.deadLetter(res.deadLetters));
    try {
      await Promise.all(persist);
    } catch (e) {
      // not acknowledged: Firehose retries the same request id
      throw new HttpError(503, `could not persist the records, retry: ${(e as Error).message}`);
    }
    try {
      await this.accepted.add(requestId);
    } catch {
      // the records are durable: answer 200 anyway; only a retry of this id would be ingested twice
      this.metrics.add('firehose_request_id_store_errors_total', 1, { op: 'add' });
    }
    this.metrics.add('firehose_requests_total', 1, { outcome: '200' });
    this.metrics.add('ingest_records_total', c.records, { path: 'firehose' });
    this.metrics.add('ingest_rows_total', c.rows, { path: 'firehose' });
    if (c.controlMessages) this.metrics.add('ingest_cwl_control_messages_total', c.controlMessages, { path: 'firehose' });
    if (c.badRecords) this.metrics.add('ingest_bad_records_total', c.badRecords, { path: 'firehose' });
    if (c.parseErrors) this.metrics.add('ingest_parse_errors_total', c.parseErrors, { path: 'firehose' });
    return this.respond(200, requestId);
  }

  /** A store outage must not stop ingestion: unknown means "ingest" (at-least-once). */
  private async knownId(requestId: string): Promise<boolean> {
    try {
      return await this.accepted.has(requestId);
    } catch {
      this.metrics.add('firehose_request_id_store_errors_total', 1, { op: 'has' });
      return false;
    }
  }

  private respond(status: number, requestId: string, errorMessage?: string): FirehoseHttpResponse {
    const body = JSON.stringify({ requestId, timestamp: this.now(), ...(errorMessage ? { errorMessage } : {}) });
    return {
      status,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    };
  }
}

