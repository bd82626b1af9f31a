/**
 * Kinesis Data Streams consumer for flow logs (direct records or CloudWatch Logs
 * subscription payloads). Polls every shard with GetRecords, parses each
 * response into one FlowBatch, hands it to the sink, and writes the shard's
 * checkpoint ONLY after the sink (and the dead-letter sink) resolved. A crash
 * therefore re-delivers at most the one in-flight response per shard and never
 * skips a record. Resharding: a child shard starts once its parents reached
 * SHARD_END (or have aged out of the stream), which keeps per-key order.
 *
 * kinesalite and other local emulators need `requestHandler: new NodeHttpHandler()`
 * on the client (the default HTTP/2 handler fails with "Protocol error").
 */
import {
  GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand,
  type KinesisClient, type Shard, type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import {
  ingestDeliveredRecords, noopIngestMetrics, SHARD_END,
  type CheckpointStore, type DeadLetterSink, type FlowSink, type IngestMetrics, type ParseFlowText,
} from '@flowguard/ingest-pipeline';

export const KINESIS_CONSUMER = 'flowguard-ingest-kinesis';

export interface KinesisConsumerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly checkpoints: CheckpointStore;
  readonly parse: ParseFlowText;
  /** `${field}` format of the records' lines (no header line on this path) */
  readonly format?: string;
  readonly sink: FlowSink;
  readonly deadLetter: DeadLetterSink;
  readonly metrics?: IngestMetrics;
  /** where a shard without checkpoint starts (default TRIM_HORIZON: nothing retained is skipped) */
  readonly initialPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** GetRecords Limit (default 10,000, the API maximum) */
  readonly limit?: number;
  /** pause after an empty or caught-up response; AWS allows 5 GetRecords/s per shard (default 1,000 ms) */
  readonly idleDelayMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** how often the shard list is refreshed to pick up resharding (default 30 s) */
  readonly shardRefreshMs?: number;
  /** errors the loop recovered from (throttling, network, sink failures) for logging */
  readonly onError?: (error: unknown, context: { shardId?: string; stage: string }) => void;
}

export interface ShardProgress {
  readonly shardId: string;
  readonly records: number;
  readonly rows: number;
  readonly millisBehindLatest?: number;
  readonly lastSequenceNumber?: string;
  readonly ended: boolean;
}

class Stopped extends Error {}

const errName = (e: unknown) => (e as { name?: string }).name ?? '';

export class KinesisStreamConsumer {
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly progress = new Map<string, { records: number; rows: number; millisBehindLatest?: number; lastSequenceNumber?: string; ended: boolean }>();
  private refresher: Promise<void> | undefined;
  private readonly metrics: IngestMetrics;

  constructor(private readonly o: KinesisConsumerOptions) {
    this.metrics = o.metrics ?? noopIngestMetrics;
  }

  /** Lists the shards and starts polling; resolves once the loops are running. */
  async start(): Promise<void> {
    await this.refreshShards();
    this.refresher = this.refreshLoop();
  }

  /** Finishes the in-flight batch of each shard (publish + checkpoint), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.refresher;
    await Promise.all(this.loops.values());
  }

  snapshot(): ShardProgress[] {
    return [...this.progress.entries()].map(([shardId, p]) => ({ shardId, ...p }));
  }

  private async refreshLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sleep(this.o.shardRefreshMs ?? 30_000);
        await this.refreshShards();
      } catch (e) {
        if (e instanceof Stopped) return;
        this.o.onError?.(e, { stage: 'list_shards' });
      }
    }
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const res = await this.o.client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.o.streamName }),
        { abortSignal: this.abort.signal },
      );
      shards.push(...(res.Shards ?? []));
      token = res.NextToken;
    } while (token);
    return shards;
  }

  private async refreshShards(): Promise<void> {
    const shards = await this.listShards();
    const listed = new Set(shards.map((s) => s.ShardId));
    for (const s of shards) {
      const id = s.ShardId as string;
      if (this.loops.has(id) || this.stopping) continue;
      const cp = await this.o.checkpoints.get(this.o.streamName, id);
      if (cp === SHARD_END) {
        this.progress.set(id, { records: 0, rows: 0, ended: true });
        continue;
      }
      // children wait for their listed parents to be fully consumed
      const parents = [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p && listed.has(p));
      let ready = true;
      for (const p of parents) if ((await this.o.checkpoints.get(this.o.streamName, p)) !== SHARD_END) ready = false;
      if (!ready) continue;
      this.progress.set(id, { records: 0, rows: 0, ended: false });
      this.loops.set(id, this.runShard(id, cp));
    }
  }

  private async iterator(shardId: string, checkpoint: string | undefined): Promise<string> {
    const res = await this.o.client.send(new GetShardIteratorCommand({
      StreamName: this.o.streamName, ShardId: shardId,
      ...(checkpoint
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
        : { ShardIteratorType: this.o.initialPosition ?? 'TRIM_HORIZON' }),
    }), { abortSignal: this.abort.signal });
    if (!res.ShardIterator) throw new Error(`no iterator for shard ${shardId}`);
    return res.ShardIterator;
  }

  private async runShard(shardId: string, initialCheckpoint: string | undefined): Promise<void> {
    let committed = initialCheckpoint;
    let iterator: string | undefined;
    let failures = 0;
    const p = this.progress.get(shardId)!;
    while (!this.stopping) {
      try {
        iterator ??= await this.iterator(shardId, committed);
        const res = await this.o.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.o.limit ?? 10_000 }), { abortSignal: this.abort.signal });
        failures = 0;
        const records = res.Records ?? [];
        p.millisBehindLatest = res.MillisBehindLatest;
        if (records.length > 0) {
          await this.deliver(shardId, records);
          const last = records[records.length - 1]!.SequenceNumber as string;
          await this.retryUntilStopped(shardId, 'checkpoint', () => this.o.checkpoints.put(this.o.streamName, shardId, last));
          committed = last;
          p.lastSequenceNumber = last;
          p.records += records.length;
        }
        if (!res.NextShardIterator) {
          await this.retryUntilStopped(shardId, 'checkpoint', () => this.o.checkpoints.put(this.o.streamName, shardId, SHARD_END));
          p.ended = true;
          // children of this shard can start now
          void this.refreshShards().catch((e) => this.o.onError?.(e, { stage: 'list_shards' }));
          return;
        }
        iterator = res.NextShardIterator;
        if (records.length === 0 || res.MillisBehindLatest === 0) await this.sleep(this.o.idleDelayMs ?? 1000);
      } catch (e) {
        if (e instanceof Stopped || this.stopping) return;
        if (errName(e) === 'ExpiredIteratorException') {
          iterator = undefined; // re-open after the last committed record
          continue;
        }
        failures++;
        this.metrics.add('kinesis_errors_total', 1, { stage: 'get_records', error: errName(e) || 'Error' });
        this.o.onError?.(e, { shardId, stage: 'get_records' });
        if (errName(e) !== 'ProvisionedThroughputExceededException') iterator = undefined;
        await this.sleep(this.backoff(failures)).catch(() => undefined);
      }
    }
  }

  /** Parse and publish one GetRecords response; retries the sinks until they resolve or the consumer stops. */
  private async deliver(shardId: string, records: KinesisRecord[]): Promise<void> {
    const stream = this.o.streamName;
    const first = records[0]!.SequenceNumber as string;
    const last = records[records.length - 1]!.SequenceNumber as string;
    const res = ingestDeliveredRecords(
      records.map((r) => ({ data: r.Data ?? new Uint8Array(), position: `kinesis:${stream}/${shardId}@${r.SequenceNumber}` })),
      { parse: this.o.parse, ...(this.o.format ? { format: this.o.format } : {}), consumer: KINESIS_CONSUMER, source: `kinesis:${stream}`, now: Date.now() },
    );
    const ctx = { source: 'kinesis' as const, position: `kinesis:${stream}/${shardId}@${first}..${last}`, key: shardId };
    // the batch and its dead letters are retried separately so a DLQ outage does not re-publish flows
    let flowsDone = res.batch.length === 0;
    let deadDone = res.deadLetters.length === 0;
    await this.retryUntilStopped(shardId, 'sink', async () => {
      if (!flowsDone) {
        await this.o.sink(res.batch, ctx);
        flowsDone = true;
      }
      if (!deadDone) {
        await this.o.deadLetter(res.deadLetters);
        deadDone = true;
      }
    });
    const c = res.counts;
    this.progress.get(shardId)!.rows += c.rows;
    this.metrics.add('ingest_records_total', c.records, { path: 'kinesis' });
    this.metrics.add('ingest_rows_total', c.rows, { path: 'kinesis' });
    if (c.controlMessages) this.metrics.add('ingest_cwl_control_messages_total', c.controlMessages, { path: 'kinesis' });
    if (c.badRecords) this.metrics.add('ingest_bad_records_total', c.badRecords, { path: 'kinesis' });
    if (c.parseErrors) this.metrics.add('ingest_parse_errors_total', c.parseErrors, { path: 'kinesis' });
  }

  private async retryUntilStopped(shardId: string, stage: string, fn: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn();
        return;
      } catch (e) {
        this.metrics.add('kinesis_errors_total', 1, { stage, error: errName(e) || 'Error' });
        this.o.onError?.(e, { shardId, stage });
        // stopping mid-retry: leave without committing; the records are re-read next start
        if (this.stopping) throw new Stopped();
        await this.sleep(this.backoff(attempt), true);
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.o.backoffBaseMs ?? 200;
    const cap = this.o.backoffMaxMs ?? 30_000;
    const d = Math.min(cap, base * 2 ** Math.min(attempt - 1, 20));
    return d * (0.85 + Math.random() * 0.3);
  }

  /** Resolves after ms; rejects with Stopped when the consumer stops (unless `untilStop` is false). */
  private sleep(ms: number, wakeOnStop = true): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping && wakeOnStop) return reject(new Stopped());
      const t = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(new Stopped());
      };
      if (wakeOnStop) this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
