/**
 * Kinesis Data Streams consumer for flow logs (direct records or CloudWatch Logs
 * subscription payloads). Polls every shard with GetRecords, parses each
 * response into one FlowBatch, hands it to the sink, and writes the shard's
 * checkpoint ONLY after the sink (and the dead-letter sink) resolved. A crash
 * therefore re-delivers at most the one in-flight response per shard and never
 * skips a record. Resharding: a child shard starts once its parents reached
 * SHARD_END (or have aged out of the stream), which keeps per-key order.
 *
 * Several consumers of one stream (ECS tasks) coordinate through per-shard
 * leases (`leases`, e.g. DynamoShardCheckpointStore): a shard is read only by
 * its lease holder; leases are renewed every third of `leaseMs`, taken over
 * when their holder stopped renewing, and balanced (a consumer below its fair
 * share takes one shard per refresh from the busiest holder). A consumer whose
 * lease was lost, or whose checkpoint the store refuses, stops reading that
 * shard without checkpointing: the new holder re-reads that last batch.
 *
 * kinesalite and other local emulators need `requestHandler: new NodeHttpHandler()`
 * on the client (the default HTTP/2 handler fails with "Protocol error").
 */
import {
  GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand,
  type KinesisClient, type Shard, type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { isCheckpointConflict, type ShardLease, type ShardLeaseStore } from '@flowguard/persistence';
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
  /** per-shard leases shared with the other consumers of the stream; without them this consumer reads every shard */
  readonly leases?: ShardLeaseStore;
  /** lease duration (default 20 s); renewed every third of it. A dead consumer's shards move after at most this plus one refresh */
  readonly leaseMs?: number;
  readonly now?: () => number;
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
/** the shard's lease went to another consumer: leave the shard without checkpointing */
class LeaseLost extends Error {}

const errName = (e: unknown) => (e as { name?: string }).name ?? '';

export class KinesisStreamConsumer {
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly progress = new Map<string, { records: number; rows: number; millisBehindLatest?: number; lastSequenceNumber?: string; ended: boolean }>();
  private refresher: Promise<void> | undefined;
  private renewer: Promise<void> | undefined;
  private readonly metrics: IngestMetrics;
  /** shards whose lease this consumer holds / has lost since */
  private readonly held = new Set<string>();
  private readonly lost = new Set<string>();
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(private readonly o: KinesisConsumerOptions) {
    this.metrics = o.metrics ?? noopIngestMetrics;
    this.leaseMs = o.leaseMs ?? 20_000;
    this.now = o.now ?? Date.now;
  }

  /** Lists the shards and starts polling; resolves once the loops are running. */
  async start(): Promise<void> {
    await this.refreshShards();
    this.refresher = this.refreshLoop();
    if (this.o.leases) this.renewer = this.renewLoop(this.o.leases);
  }

  /** Finishes the in-flight batch of each shard (publish + checkpoint), then stops and gives its leases up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.refresher;
    await this.renewer;
    await Promise.all(this.loops.values());
    const leases = this.o.leases;
    if (leases) {
      // released leases are taken by the other consumers at their next refresh, not after leaseMs
      await Promise.all([...this.held].map((id) => leases.release(this.o.streamName, id).catch((e) => this.o.onError?.(e, { shardId: id, stage: 'lease_release' }))));
      this.held.clear();
    }
  }

  /** shards whose lease this consumer holds (with leases), for readiness and tests */
  heldShards(): string[] {
    return [...this.held].sort();
  }

  private async renewLoop(leases: ShardLeaseStore): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sleep(Math.max(50, Math.floor(this.leaseMs / 3)));
      } catch {
        return;
      }
      for (const id of [...this.held]) {
        try {
          if (!(await leases.renew(this.o.streamName, id, this.leaseMs, this.now()))) this.loseLease(id);
        } catch (e) {
          // the store is unreachable: keep reading; if the lease runs out meanwhile, the checkpoint write is refused
          this.o.onError?.(e, { shardId: id, stage: 'lease_renew' });
        }
      }
    }
  }

  private loseLease(shardId: string): void {
    if (!this.held.delete(shardId)) return;
    this.lost.add(shardId);
    this.metrics.add('kinesis_leases_lost_total', 1, {});
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
      let start = cp;
      if (this.o.leases) {
        const got = await this.o.leases.acquire(this.o.streamName, id, this.leaseMs, this.now());
        if (!got.acquired) continue; // another live consumer reads it
        start = got.checkpoint; // read with the lease: the holder before us may have moved it
        if (start === SHARD_END) {
          await this.o.leases.release(this.o.streamName, id);
          continue;
        }
      }
      this.startShard(id, start);
    }
    if (this.o.leases && !this.stopping) await this.balance(this.o.leases, listed);
  }

  private startShard(id: string, checkpoint: string | undefined): void {
    if (this.o.leases) {
      this.held.add(id);
      this.lost.delete(id);
    }
    this.progress.set(id, { records: 0, rows: 0, ended: false });
    this.loops.set(id, this.runShard(id, checkpoint).catch((e) => {
      if (!(e instanceof LeaseLost)) throw e;
      // another consumer owns the shard now; it may come back to us if that one dies
      this.loops.delete(id);
      this.progress.delete(id);
      this.held.delete(id);
      this.o.onError?.(e, { shardId: id, stage: 'lease_lost' });
    }));
  }

  /**
   * Fair share: with N live holders and L live leases each should hold ceil(L/N).
   * Below it, take one shard from the holder with the most (one per refresh, so
   * the group converges without thrashing).
   */
  private async balance(leases: ShardLeaseStore, listed: Set<string | undefined>): Promise<void> {
    const now = this.now();
    const live = (await leases.list(this.o.streamName))
      .filter((l): l is ShardLease & { owner: string } => l.owner !== undefined && l.leaseUntil > now && l.checkpoint !== SHARD_END && listed.has(l.shardId));
    const byOwner = new Map<string, ShardLease[]>([[leases.owner, []]]);
    for (const l of live) byOwner.set(l.owner, [...(byOwner.get(l.owner) ?? []), l]);
    const target = Math.ceil(live.length / byOwner.size);
    if ((byOwner.get(leases.owner)?.length ?? 0) >= target) return;
    const [, theirs] = [...byOwner.entries()].filter(([o]) => o !== leases.owner).sort((a, b) => b[1].length - a[1].length)[0] ?? [];
    if (!theirs || theirs.length <= target) return;
    const victim = theirs[theirs.length - 1]!;
    if (!(await leases.steal(this.o.streamName, victim, this.leaseMs, now))) return;
    const got = await leases.acquire(this.o.streamName, victim.shardId, this.leaseMs, this.now());
    if (!got.acquired || this.loops.has(victim.shardId)) return;
    this.metrics.add('kinesis_leases_taken_total', 1, { reason: 'balance' });
    this.startShard(victim.shardId, got.checkpoint);
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
      if (this.lost.has(shardId)) throw new LeaseLost(`lease of ${shardId} lost`);
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
          if (this.o.leases && this.held.delete(shardId)) await this.o.leases.release(this.o.streamName, shardId).catch(() => undefined);
          // children of this shard can start now
          void this.refreshShards().catch((e) => this.o.onError?.(e, { stage: 'list_shards' }));
          return;
        }
        iterator = res.NextShardIterator;
        if (records.length === 0 || res.MillisBehindLatest === 0) await this.sleep(this.o.idleDelayMs ?? 1000);
      } catch (e) {
        if (e instanceof LeaseLost) throw e;
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
      if (this.lost.has(shardId)) throw new LeaseLost(`lease of ${shardId} lost`);
      try {
        await fn();
        return;
      } catch (e) {
        if (isCheckpointConflict(e)) {
          // the store says another consumer owns the shard or is further: never retry over it
          this.loseLease(shardId);
          this.lost.add(shardId);
          throw new LeaseLost(e.message);
        }
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
