/**
 * Durable record of S3 objects already ingested (sink resolved for all their
 * rows), so neither a re-listing nor a duplicate event notification nor a
 * restart processes an object twice. Identity includes the ETag: an object
 * overwritten with new content is new input.
 */
export interface ProcessedObjectLedger {
  has(bucket: string, key: string, eTag: string): Promise<boolean>;
  markDone(bucket: string, key: string, eTag: string): Promise<void>;
}
