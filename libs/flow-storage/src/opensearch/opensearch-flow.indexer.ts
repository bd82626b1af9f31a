/**
 * Bulk-indexes FlowBatch rows into daily flow indices.
 *
 * - Rows become NDJSON bulk bodies of at most `maxBulkBytes`/`maxBulkDocs`.
 * - At most `maxConcurrency` bulk requests run at once, and at most
 *   `maxInFlightBytes` of bodies are outstanding: `index()` awaits (the caller
 *   feels backpressure) until there is room, then returns without waiting for
 *   the request; `flush()` waits for everything.
 * - A request that fails as a whole with 429/5xx or a connection error is
 *   retried with exponential backoff and jitter; in a partly failed response
 *   only the items that failed with 429/5xx are retried. Items rejected for
 *   good (mapping errors, a bad address in an `ip` field, retries exhausted)
 *   go to the dead-letter callback with the reason, and are counted.
 * - Document ids are the flow_id hash, so a retried item never duplicates.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { FlowBatch } from '@flowguard/contracts';
import { documentFromRow, type FlowDocument } from '../flow-document';
import { DEFAULT_INDEX_PREFIX, dailyIndexName } from './flow-index.template';

export interface FlowDeadLetter {
  index: string;
  id: string;
  document: FlowDocument;
  /** HTTP status of the item or request; 0 for a connection error */
  status: number;
  reason: string;
  attempts: number;
}

export interface OpenSearchFlowIndexerOptions {
  client: Client;
  prefix?: string;
  /** default 5 MiB */
  maxBulkBytes?: number;
  /** default 5,000 */
  maxBulkDocs?: number;
  /** concurrent bulk requests (default 2) */
  maxConcurrency?: number;
  /** bulk body bytes outstanding before index() waits (default 32 MiB) */
  maxInFlightBytes?: number;
  /** attempts per item, the first included (default 5) */
  maxAttempts?: number;
  /** first retry delay (default 200 ms), doubled per attempt up to maxBackoffMs (default 10 s) */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** per-request timeout (default 60 s) */
  requestTimeoutMs?: number;
  /** `refresh` parameter of every bulk request (tests: 'wait_for') */
  refresh?: boolean | 'wait_for';
  /** receives permanently failed items; awaited before their request slot is released */
  deadLetter: (items: FlowDeadLetter[]) => void | Promise<void>;
  onError?: (error: Error) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface OpenSearchIndexerMetrics {
  docsSubmitted: number;
  docsIndexed: number;
  docsDeadLettered: number;
  bulkRequests: number;
  retriedRequests: number;
  retriedItems: number;
  backpressureWaits: number;
  deadLetterErrors: number;
  inFlightBytes: number;
  maxInFlightBytesSeen: number;
  inFlightRequests: number;
  lastBulkMs: number;
  maxBulkMs: number;
}

interface Item {
  index: string;
  id: string;
  doc: FlowDocument;
  line: string;
}

interface Chunk {
  items: Item[];
  bytes: number;
}

const RETRYABLE = (status: number) => status === 0 || status === 429 || status >= 500;

export class OpenSearchFlowIndexer {
  private readonly prefix: string;
  private readonly maxBulkBytes: number;
  private readonly maxBulkDocs: number;
  private readonly maxConcurrency: number;
  private readonly maxInFlightBytes: number;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly running = new Set<Promise<void>>();
  private waiters: (() => void)[] = [];
  private readonly m: OpenSearchIndexerMetrics = {
    docsSubmitted: 0, docsIndexed: 0, docsDeadLettered: 0, bulkRequests: 0, retriedRequests: 0, retriedItems: 0,
    backpressureWaits: 0, deadLetterErrors: 0, inFlightBytes: 0, maxInFlightBytesSeen: 0, inFlightRequests: 0, lastBulkMs: 0, maxBulkMs: 0,
  };

  constructor(private readonly o: OpenSearchFlowIndexerOptions) {
    this.prefix = o.prefix ?? DEFAULT_INDEX_PREFIX;
    this.maxBulkBytes = o.maxBulkBytes ?? 5 * 1024 * 1024;
    this.maxBulkDocs = o.maxBulkDocs ?? 5000;
    this.maxConcurrency = Math.max(1, o.maxConcurrency ?? 2);
    this.maxInFlightBytes = o.maxInFlightBytes ?? 32 * 1024 * 1024;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 5);
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = o.random ?? Math.random;
  }

  /** Queue a batch's rows for indexing; resolves once its requests are admitted (backpressure). */
  async index(batch: FlowBatch): Promise<void> {
    let chunk: Chunk = { items: [], bytes: 0 };
    const nowSec = Math.floor(Date.now() / 1000);
    for (let i = 0; i < batch.length; i++) {
      const doc = documentFromRow(batch, i);
      const t = (batch.start[i] as number) || (batch.end[i] as number) || nowSec;
      const index = dailyIndexName(t, this.prefix);
      const id = doc['flow_id'] as string;
      const line = `{"index":{"_index":"${index}","_id":"${id}"}}\n${JSON.stringify(doc)}\n`;
      chunk.items.push({ index, id, doc, line });
      chunk.bytes += line.length;
      if (chunk.bytes >= this.maxBulkBytes || chunk.items.length >= this.maxBulkDocs) {
        await this.submit(chunk);
        chunk = { items: [], bytes: 0 };
      }
    }
    if (chunk.items.length > 0) await this.submit(chunk);
  }

  /** Wait until every admitted request has finished (indexed or dead-lettered). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  metrics(): OpenSearchIndexerMetrics {
    return { ...this.m };
  }

  private async submit(chunk: Chunk): Promise<void> {
    let waited = false;
    while (
      this.m.inFlightRequests >= this.maxConcurrency ||
      (this.m.inFlightBytes > 0 && this.m.inFlightBytes + chunk.bytes > this.maxInFlightBytes)
    ) {
      if (!waited) this.m.backpressureWaits++;
      waited = true;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    this.m.docsSubmitted += chunk.items.length;
    this.m.inFlightRequests++;
    this.m.inFlightBytes += chunk.bytes;
    this.m.maxInFlightBytesSeen = Math.max(this.m.maxInFlightBytesSeen, this.m.inFlightBytes);
    const p: Promise<void> = this.send(chunk.items)
      .catch((e: unknown) => this.o.onError?.(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.m.inFlightRequests--;
        this.m.inFlightBytes -= chunk.bytes;
        this.running.delete(p);
        const w = this.waiters;
        this.waiters = [];
        for (const wake of w) wake();
      });
    this.running.add(p);
  }

  private async send(initial: Item[]): Promise<void> {
    let items = initial;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt));
      const t0 = performance.now();
      let body: { errors?: boolean; items?: Record<string, { status?: number; error?: { type?: string; reason?: string } }>[] };
      try {
        this.m.bulkRequests++;
        const res = await this.o.client.bulk(
          { body: items.map((it) => it.line).join('') as never, ...(this.o.refresh !== undefined ? { refresh: this.o.refresh } : {}) },
          { maxRetries: 0, requestTimeout: this.o.requestTimeoutMs ?? 60_000 },
        );
        body = res.body as typeof body;
      } catch (e) {
        const status = statusOf(e);
        if (RETRYABLE(status) && attempt < this.maxAttempts) {
          this.m.retriedRequests++;
          continue;
        }
        const reason = `bulk request failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${status ? `HTTP ${status} ` : ''}${e instanceof Error ? e.message : String(e)}`;
        return this.deadLetter(items, status, reason, attempt);
      } finally {
        const ms = performance.now() - t0;
        this.m.lastBulkMs = ms;
        this.m.maxBulkMs = Math.max(this.m.maxBulkMs, ms);
      }
      const results = body.items ?? [];
      const retry: Item[] = [];
      const failed: { item: Item; status: number; reason: string }[] = [];
      let ok = 0;
      items.forEach((item, k) => {
        const r = results[k] ? Object.values(results[k] as object)[0] as { status?: number; error?: { type?: string; reason?: string } } : undefined;
        const status = r?.status ?? 0;
        if (status >= 200 && status < 300) return void ok++;
        const reason = r ? `${r.error?.type ?? 'error'}: ${r.error?.reason ?? `status ${status}`}` : 'no result for this item in the bulk response';
        if (RETRYABLE(status) && attempt < this.maxAttempts) retry.push(item);
        else failed.push({ item, status, reason: RETRYABLE(status) ? `gave up after ${attempt} attempts: ${reason}` : reason });
      });
      this.m.docsIndexed += ok;
      for (const f of groupByReason(failed)) await this.deadLetter(f.items, f.status, f.reason, attempt);
      if (retry.length === 0) return;
      this.m.retriedItems += retry.length;
      items = retry;
    }
  }

  private backoff(attempt: number): number {
    const base = this.o.baseBackoffMs ?? 200;
    const cap = this.o.maxBackoffMs ?? 10_000;
    const exp = Math.min(cap, base * 2 ** (attempt - 2));
    return Math.round(exp / 2 + (this.random() * exp) / 2);
  }

  private async deadLetter(items: Item[], status: number, reason: string, attempts: number): Promise<void> {
    if (items.length === 0) return;
    this.m.docsDeadLettered += items.length;
    try {
      await this.o.deadLetter(items.map((it) => ({ index: it.index, id: it.id, document: it.doc, status, reason, attempts })));
    } catch (e) {
      this.m.deadLetterErrors++;
      this.o.onError?.(new Error(`dead-letter sink failed for ${items.length} flow documents (${reason}): ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}

function statusOf(e: unknown): number {
  const meta = (e as { meta?: { statusCode?: number } } | undefined)?.meta;
  return typeof meta?.statusCode === 'number' ? meta.statusCode : 0;
}

function groupByReason(failed: { item: Item; status: number; reason: string }[]): { items: Item[]; status: number; reason: string }[] {
  const groups = new Map<string, { items: Item[]; status: number; reason: string }>();
  for (const f of failed) {
    const k = `${f.status} ${f.reason}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { items: [], status: f.status, reason: f.reason }));
    g.items.push(f.item);
  }
  return [...groups.values()];
}
