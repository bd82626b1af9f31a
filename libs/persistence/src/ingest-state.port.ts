/**
 * Durable delivery state of the ingest paths (docs/ingest.md, ADR 0023), shared
 * by several ingest instances when it lives in DynamoDB. The shapes of
 * {@link ShardCheckpointStore}, {@link ObjectLedgerStore} and
 * {@link DeliveryIdStore} are exactly those of `CheckpointStore`,
 * `ProcessedObjectLedger` and `AcceptedRequestStore` of @flowguard/ingest-pipeline,
 * so an implementation of these ports is one of those (structurally); they are
 * repeated here because scope:shared adapters (libs/dynamodb) may not import the
 * ingest scope.
 */

/** Kinesis per-shard checkpoints: the last sequence number durably published, or SHARD_END. */
export interface ShardCheckpointStore {
  get(stream: string, shardId: string): Promise<string | undefined>;
  /**
   * Records progress. Implementations shared by several consumers never move a
   * checkpoint backwards and refuse a write by a consumer that lost the shard's
   * lease: both throw {@link CheckpointConflictError}.
   */
  put(stream: string, shardId: string, sequenceNumber: string): Promise<void>;
}

/** The value that marks a closed shard fully consumed (same as ingest-pipeline's SHARD_END). */
export const SHARD_END_CHECKPOINT = 'SHARD_END';

export interface ShardLease {
  readonly shardId: string;
  /** holder, or undefined when released / never leased */
  readonly owner: string | undefined;
  /** epoch ms until which the holder may read the shard without renewing; 0 when released */
  readonly leaseUntil: number;
  readonly checkpoint: string | undefined;
}

export type LeaseAcquisition =
  | { readonly acquired: true; readonly checkpoint: string | undefined }
  | { readonly acquired: false; readonly owner: string; readonly leaseUntil: number };

/**
 * Per-shard leases for several consumers of one stream (one holder reads a
 * shard; a lease not renewed by `leaseUntil` may be taken over). The store is
 * bound to one owner id (the consumer instance) at construction.
 */
export interface ShardLeaseStore {
  readonly owner: string;
  /** Takes the lease if free, expired, or already ours; returns the checkpoint read atomically with it. */
  acquire(stream: string, shardId: string, leaseMs: number, now: number): Promise<LeaseAcquisition>;
  /** Takes a live lease from `from` (load balancing), only if it is still held by `from` with the same `leaseUntil`. */
  steal(stream: string, from: ShardLease, leaseMs: number, now: number): Promise<boolean>;
  /** Extends our lease; false when another owner holds it now (stop reading the shard). */
  renew(stream: string, shardId: string, leaseMs: number, now: number): Promise<boolean>;
  /** Gives the lease up (after the last checkpoint), so another consumer can take it at once. */
  release(stream: string, shardId: string): Promise<void>;
  /** Every lease row of the stream (shards ever checkpointed or leased). */
  list(stream: string): Promise<ShardLease[]>;
}

export type CheckpointConflictReason = 'lease_lost' | 'behind';

/**
 * A checkpoint write that must not happen: another consumer owns the shard now
 * (`lease_lost`), or the stored checkpoint is already further (`behind`). The
 * writer must stop reading the shard; its last batch is re-read by the owner
 * (at-least-once), nothing is skipped.
 */
export class CheckpointConflictError extends Error {
  readonly code = 'CHECKPOINT_CONFLICT';

  constructor(readonly reason: CheckpointConflictReason, readonly stream: string, readonly shardId: string, detail: string) {
    super(`checkpoint of ${stream}/${shardId} refused (${reason}): ${detail}`);
    this.name = 'CheckpointConflictError';
  }
}

export const isCheckpointConflict = (e: unknown): e is CheckpointConflictError =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'CHECKPOINT_CONFLICT';

/** S3 objects done (bucket, key, ETag): an overwritten object (new ETag) is new input. */
export interface ObjectLedgerStore {
  has(bucket: string, key: string, eTag: string): Promise<boolean>;
  markDone(bucket: string, key: string, eTag: string): Promise<void>;
}

/**
 * A short exclusive claim on one S3 object (bucket, key, ETag) while one ingest
 * task reads it, so two tasks polling the same prefix do not both ingest a new
 * object. A claim of a dead task expires; an object already done cannot be claimed.
 */
export interface ObjectClaimStore {
  /** true when this task may ingest the object now */
  claim(bucket: string, key: string, eTag: string, claimMs: number, now: number): Promise<boolean>;
  /** gives the claim up after a failure (the next poll of any task retries the object) */
  release(bucket: string, key: string, eTag: string): Promise<void>;
}

/** Ids of delivery requests already accepted (Firehose request ids), remembered for a TTL. */
export interface DeliveryIdStore {
  has(id: string): Promise<boolean>;
  add(id: string): Promise<void>;
}

/**
 * Total order of checkpoint values for conditional writes: Kinesis sequence
 * numbers are decimal strings of up to 129 digits (compare as padded strings);
 * SHARD_END is after every number.
 */
export function checkpointOrderKey(checkpoint: string): string {
  if (checkpoint === SHARD_END_CHECKPOINT) return 'Z';
  if (!/^(0|[1-9]\d{0,128})$/.test(checkpoint)) throw new Error(`not a Kinesis sequence number: ${JSON.stringify(checkpoint.slice(0, 140))}`);
  return `N${checkpoint.padStart(129, '0')}`;
}
