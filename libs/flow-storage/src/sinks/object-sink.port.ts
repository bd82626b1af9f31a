/**
 * Where Parquet files go: a local directory or an S3 bucket, behind one port.
 * Keys are relative, `/`-separated, e.g.
 * `account=1/region=eu-west-1/date=2024-03-05/hour=14/part-….parquet`.
 */

/** A file being written. Bytes are appended in order; nothing is visible to readers before commit. */
export interface SinkFile {
  readonly key: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Make the file durable and visible under its key (atomic for readers). */
  commit(): Promise<void>;
  /** Discard a file that will not be committed (best effort, never throws). */
  abort(): Promise<void>;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/** Read access for the embedded history query: a byte range of a stored file. */
export interface ObjectReader {
  readonly key: string;
  readonly size: number;
  /** bytes [start, end) */
  read(start: number, end: number): Promise<ArrayBuffer>;
  close(): Promise<void>;
}

export interface DeleteResult {
  /** distinct `date=` partitions removed (one per account/region/date) */
  partitions: number;
  objects: number;
}

export interface FlowObjectSink {
  /** Short name for metrics and logs: `local` or `s3`. */
  readonly kind: string;
  create(key: string): Promise<SinkFile>;
  /** Committed files whose key starts with `prefix` (all when omitted). In-progress files are never listed. */
  list(prefix?: string): Promise<StoredObject[]>;
  /** `size` from a listing saves a metadata round trip where the store needs one. */
  open(key: string, size?: number): Promise<ObjectReader>;
  /** Delete every committed file in a `date=` partition older than `cutoffDate` (YYYY-MM-DD, exclusive). */
  deleteDatesBefore(cutoffDate: string): Promise<DeleteResult>;
}
