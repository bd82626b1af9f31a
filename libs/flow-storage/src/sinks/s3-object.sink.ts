/**
 * Parquet files in an S3 bucket. A file is buffered in memory until it
 * reaches `partSize`; a small file is then written with one PutObject, a large
 * one streams as a multipart upload (parts of `partSize`, the last one
 * smaller), so memory per open file stays under `partSize` and readers only
 * ever see complete objects. A crashed writer can leave an incomplete
 * multipart upload: give the bucket an AbortIncompleteMultipartUpload
 * lifecycle rule (docs/flow-storage.md).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { parsePartitionPath } from '../parquet/partition-path';
import type { DeleteResult, FlowObjectSink, ObjectReader, SinkFile, StoredObject } from './object-sink.port';

export interface S3SinkOptions {
  client: S3Client;
  bucket: string;
  /** key prefix inside the bucket, e.g. `flows/` (default none) */
  prefix?: string;
  /** multipart part size in bytes (S3 minimum 5 MiB; default 8 MiB) */
  partSize?: number;
  /** objects up to this size are fetched whole on first read instead of by ranges (default 8 MiB) */
  wholeObjectBytes?: number;
}

const MIN_PART = 5 * 1024 * 1024;
const DELETE_BATCH = 1000;

export interface S3SinkMetrics {
  putObjects: number;
  multipartUploads: number;
  partsUploaded: number;
  abortedUploads: number;
}

export class S3ObjectSink implements FlowObjectSink {
  readonly kind = 's3';
  private readonly m: S3SinkMetrics = { putObjects: 0, multipartUploads: 0, partsUploaded: 0, abortedUploads: 0 };
  private readonly prefix: string;
  private readonly partSize: number;

  constructor(private readonly options: S3SinkOptions) {
    this.prefix = options.prefix ? options.prefix.replace(/^\/+/, '').replace(/\/*$/, '/') : '';
    this.partSize = Math.max(MIN_PART, options.partSize ?? 8 * 1024 * 1024);
  }

  async create(key: string): Promise<SinkFile> {
    return new S3SinkFile(key, this.prefix + key, this.options.client, this.options.bucket, this.partSize, this.m);
  }

  metrics(): S3SinkMetrics {
    return { ...this.m };
  }

  async list(prefix = ''): Promise<StoredObject[]> {
    // no delimiter: s3rver drops "folders" that hold only sub-folders; grouping is done by the caller
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new ListObjectsV2Command({
        Bucket: this.options.bucket,
        Prefix: this.prefix + prefix,
        ContinuationToken: token,
      }));
      for (const o of page.Contents ?? []) {
        if (!o.Key || !o.Key.endsWith('.parquet')) continue;
        out.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async open(key: string, knownSize?: number): Promise<ObjectReader> {
    const { client, bucket } = this.options;
    const fullKey = this.prefix + key;
    const size = knownSize ?? (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: fullKey }))).ContentLength ?? 0;
    const get = async (range?: string): Promise<Uint8Array> => {
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: fullKey, ...(range ? { Range: range } : {}) }));
      if (!res.Body) throw new Error(`S3 GetObject returned no body for ${fullKey}`);
      return res.Body.transformToByteArray();
    };
    // a Parquet read is a footer fetch then one fetch per column chunk: for the
    // small files of a busy hour, one GET of the whole object is far fewer round trips
    let whole: Promise<Uint8Array> | undefined;
    const wholeLimit = this.options.wholeObjectBytes ?? 8 * 1024 * 1024;
    return {
      key,
      size,
      read: async (start, end) => {
        const last = Math.min(end, size) - 1;
        if (last < start) return new ArrayBuffer(0);
        if (size <= wholeLimit) {
          whole ??= get();
          const b = await whole;
          return b.buffer.slice(b.byteOffset + start, b.byteOffset + last + 1) as ArrayBuffer;
        }
        const bytes = await get(`bytes=${start}-${last}`);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
      close: async () => {
        whole = undefined;
      },
    };
  }

  async deleteDatesBefore(cutoffDate: string): Promise<DeleteResult> {
    const victims: string[] = [];
    const partitions = new Set<string>();
    for (const o of await this.list()) {
      const p = parsePartitionPath(o.key);
      if (!p || p.date >= cutoffDate) continue;
      victims.push(this.prefix + o.key);
      partitions.add(`${p.account}/${p.region}/${p.date}`);
    }
    let objects = 0;
    for (let i = 0; i < victims.length; i += DELETE_BATCH) {
      const chunk = victims.slice(i, i + DELETE_BATCH);
      const res = await this.options.client.send(new DeleteObjectsCommand({
        Bucket: this.options.bucket,
        Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
      }));
      const errors = res.Errors ?? [];
      objects += chunk.length - errors.length;
      if (errors.length > 0) {
        const first = errors[0];
        throw new Error(`S3 DeleteObjects failed for ${errors.length} of ${chunk.length} objects (first: ${first?.Key} ${first?.Code} ${first?.Message})`);
      }
    }
    return { partitions: partitions.size, objects };
  }
}

class S3SinkFile implements SinkFile {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];

  constructor(
    readonly key: string,
    private readonly fullKey: string,
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly partSize: number,
    private readonly m: S3SinkMetrics,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    // the caller may reuse its buffer: keep a copy
    this.chunks.push(chunk.slice());
    this.buffered += chunk.length;
    if (this.buffered >= this.partSize) await this.uploadPart();
  }

  async commit(): Promise<void> {
    if (this.uploadId === undefined) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey, Body: this.take(), ContentType: 'application/vnd.apache.parquet' }));
      this.m.putObjects++;
      return;
    }
    if (this.buffered > 0) await this.uploadPart();
    await this.client.send(new CompleteMultipartUploadCommand({
      Bucket: this.bucket,
      Key: this.fullKey,
      UploadId: this.uploadId,
      MultipartUpload: { Parts: this.parts },
    }));
    this.m.multipartUploads++;
  }

  async abort(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    if (this.uploadId === undefined) return;
    this.m.abortedUploads++;
    await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.fullKey, UploadId: this.uploadId })).catch(() => undefined);
  }

  private async uploadPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const res = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.fullKey, ContentType: 'application/vnd.apache.parquet' }));
      if (!res.UploadId) throw new Error(`S3 CreateMultipartUpload returned no UploadId for ${this.fullKey}`);
      this.uploadId = res.UploadId;
    }
    const PartNumber = this.parts.length + 1;
    const res = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.fullKey, UploadId: this.uploadId, PartNumber, Body: this.take() }));
    this.parts.push({ PartNumber, ETag: res.ETag });
    this.m.partsUploaded++;
  }

  private take(): Uint8Array {
    const out = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    return out;
  }
}
