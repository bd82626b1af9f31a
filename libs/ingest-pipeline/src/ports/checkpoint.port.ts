/**
 * Durable per-shard progress of a stream consumer. A checkpoint names the last
 * sequence number whose records were durably published (the sink resolved);
 * consumers resume AFTER it. Writing it only after the sink resolved bounds
 * duplicates after a crash to the one batch in flight per shard.
 */
export interface CheckpointStore {
  /** last committed sequence number, {@link SHARD_END}, or undefined if none */
  get(stream: string, shardId: string): Promise<string | undefined>;
  put(stream: string, shardId: string, sequenceNumber: string): Promise<void>;
}

/** Marks a closed shard whose every record was consumed (children may start). */
export const SHARD_END = 'SHARD_END';
