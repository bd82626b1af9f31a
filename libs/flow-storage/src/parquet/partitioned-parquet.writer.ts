/**
 * Writes FlowBatch rows as ZSTD Parquet files partitioned by
 * account/region/date/hour (see partition-path.ts). One file is open per
 * partition; rows are buffered per file and encoded one row group at a time,
 * and a file is closed (footer written, committed atomically by the sink) when
 * it reaches `maxFileBytes`, when it is `maxFileAgeMs` old, when a batch brings
 * a text field its frozen schema lacks, when too many files are open, or on
 * `flush()`. Rows are durable only once their file is committed: callers that
 * must not lose buffered rows on a crash commit their source position after
 * `flush()` (or from `onFileCommitted`).
 */
import { randomBytes } from 'node:crypto';
import type { FlowBatch } from '@flowguard/contracts';
import { ParquetWriter } from 'hyparquet-writer';
import type { FlowObjectSink, SinkFile } from '../sinks/object-sink.port';
import { ColumnBuffer } from './column-buffer';
import { flowParquetSchema, isStorableExtraField } from './flow-parquet.schema';
import { UNKNOWN_ACCOUNT, partitionPrefix, utcHourOf, type PartitionKey } from './partition-path';
import { SinkByteWriter } from './sink-byte.writer';
import { initZstd, zstdCompressor } from './zstd.codec';
import { ParquetWriterMetrics, emptyParquetWriterMetrics } from './parquet-writer.metrics';
import { SerialQueue } from '../serial-queue';

export interface PartitionedParquetWriterOptions {
  sink: FlowObjectSink;
  /** region used when a row has no `region` text field (v4+ format) */
  defaultRegion: string;
  /** roll a file once it would exceed this size (default 64 MiB) */
  maxFileBytes?: number;
  /** roll a file this long after it was opened (default 5 minutes) */
  maxFileAgeMs?: number;
  /** rows per row group (default 65,536) */
  rowGroupRows?: number;
  /** most files open at once; the least recently written is closed first (default 64) */
  maxOpenFiles?: number;
  /** rows buffered over all open files before the largest buffers are encoded early (default 262,144: a few hundred MB of JS arrays at most) */
  maxBufferedRows?: number;
  /** columns that get min/max statistics (default start, end: the time pruning Athena/DuckDB/our reader use) */
  statisticsColumns?: readonly string[];
  /** ZSTD level (default 3) */
  zstdLevel?: number;
  /** how often the age check runs when started (default maxFileAgeMs / 10, at least 250 ms) */
  checkIntervalMs?: number;
  /** Unix ms clock (tests) */
  now?: () => number;
  /** called after every committed file */
  onFileCommitted?: (file: CommittedFile) => void;
  /** errors from timer-driven rolls (default: ignored after counting) */
  onError?: (error: Error) => void;
}

export interface CommittedFile {
  key: string;
  partition: PartitionKey;
  rows: number;
  bytes: number;
  reason: RollReason;
}

export type RollReason = 'size' | 'age' | 'schema' | 'evicted' | 'flush';

export class FlowStorageError extends Error {
  constructor(message: string, readonly key: string, readonly rowsLost: number, override readonly cause?: unknown) {
    super(message);
    this.name = 'FlowStorageError';
  }
}

interface OpenFile {
  readonly prefix: string;
  readonly partition: PartitionKey;
  readonly openedAt: number;
  readonly buffer: ColumnBuffer;
  /** set when the first row group is written: from then on the schema is fixed */
  out?: { key: string; sinkFile: SinkFile; bytes: SinkByteWriter; parquet: ParquetWriter };
  rowsWritten: number;
  lastGroupBytes: number;
  lastUsed: number;
}

export class PartitionedParquetWriter {
  private readonly open = new Map<string, OpenFile>();
  private readonly queue = new SerialQueue();
  private readonly stats = new Set<string>();
  private readonly m: ParquetWriterMetrics = emptyParquetWriterMetrics();
  private readonly instance = randomBytes(4).toString('hex');
  private readonly now: () => number;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private buffered = 0;
  private useCounter = 0;

  private readonly maxFileBytes: number;
  private readonly maxFileAgeMs: number;
  private readonly rowGroupRows: number;
  private readonly maxOpenFiles: number;
  private readonly maxBufferedRows: number;
  private readonly compressors: { ZSTD: (b: Uint8Array) => Uint8Array };

  constructor(private readonly options: PartitionedParquetWriterOptions) {
    if (!options.defaultRegion) throw new Error('PartitionedParquetWriter: defaultRegion is required');
    this.maxFileBytes = positive(options.maxFileBytes, 64 * 1024 * 1024, 'maxFileBytes');
    this.maxFileAgeMs = positive(options.maxFileAgeMs, 5 * 60_000, 'maxFileAgeMs');
    this.rowGroupRows = positive(options.rowGroupRows, 65_536, 'rowGroupRows');
    this.maxOpenFiles = positive(options.maxOpenFiles, 64, 'maxOpenFiles');
    this.maxBufferedRows = positive(options.maxBufferedRows, 262_144, 'maxBufferedRows');
    for (const c of options.statisticsColumns ?? ['start', 'end']) this.stats.add(c);
    this.now = options.now ?? Date.now;
    this.compressors = { ZSTD: zstdCompressor(options.zstdLevel ?? 3) };
  }

  /** Start the age check timer (does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    const every = this.options.checkIntervalMs ?? Math.max(250, Math.floor(this.maxFileAgeMs / 10));
    this.timer = setInterval(() => {
      this.rollExpired().catch((e: unknown) => this.options.onError?.(e instanceof Error ? e : new Error(String(e))));
    }, every);
    this.timer.unref();
  }

  /** Stop the timer and durably close every open file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Buffer a batch's rows in their partitions' files; resolves once buffered (and any full row groups written). */
  write(batch: FlowBatch): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    return this.queue.run(() => this.writeNow(batch));
  }

  /** Close every open file durably (shutdown, or before committing a source position). */
  flush(): Promise<{ files: number; rows: number }> {
    return this.queue.run(async () => {
      const t0 = performance.now();
      const before = { files: this.m.filesCommitted, rows: this.m.rowsCommitted };
      await this.closeAll([...this.open.values()], 'flush');
      const ms = performance.now() - t0;
      this.m.flushes++;
      this.m.lastFlushMs = ms;
      this.m.maxFlushMs = Math.max(this.m.maxFlushMs, ms);
      return { files: this.m.filesCommitted - before.files, rows: this.m.rowsCommitted - before.rows };
    });
  }

  /** Close files older than maxFileAgeMs (the timer calls this). */
  rollExpired(): Promise<number> {
    return this.queue.run(async () => {
      const cutoff = this.now() - this.maxFileAgeMs;
      const expired = [...this.open.values()].filter((f) => f.openedAt <= cutoff);
      await this.closeAll(expired, 'age');
      return expired.length;
    });
  }

  metrics(): ParquetWriterMetrics {
    return { ...this.m, rolls: { ...this.m.rolls }, openFiles: this.open.size, rowsBuffered: this.buffered };
  }

  private async writeNow(batch: FlowBatch): Promise<void> {
    await initZstd();
    const extras = this.extrasOf(batch);
    const byPartition = this.route(batch);
    this.m.rowsReceived += batch.length;
    for (const [prefix, { key, rows }] of byPartition) {
      let file = await this.fileFor(prefix, key, extras);
      let at = 0;
      while (at < rows.length) {
        const take = Math.min(rows.length - at, this.rowGroupRows - file.buffer.rows);
        file.buffer.append(batch, rows, at, at + take);
        this.buffered += take;
        at += take;
        file.lastUsed = ++this.useCounter;
        if (file.buffer.rows >= this.rowGroupRows) {
          await this.writeRowGroup(file);
          if (this.wouldOverflow(file)) {
            await this.closeFile(file, 'size');
            if (at < rows.length) file = await this.fileFor(prefix, key, extras);
          }
        }
      }
    }
    if (this.buffered > this.maxBufferedRows) await this.relieveMemory();
  }

  /** Text fields of the batch that hold at least one value, storable as columns, sorted. */
  private extrasOf(batch: FlowBatch): string[] {
    const out: string[] = [];
    for (const [field, col] of batch.text) {
      let used = false;
      for (let i = 0; i < batch.length; i++) if (col[i] !== 0) { used = true; break; }
      if (!used) continue;
      if (isStorableExtraField(field)) out.push(field);
      else this.m.skippedFields++;
    }
    return out.sort();
  }

  /** Row indices per partition prefix, in row order. */
  private route(batch: FlowBatch): Map<string, { key: PartitionKey; rows: number[] }> {
    const out = new Map<string, { key: PartitionKey; rows: number[] }>();
    const regionCol = batch.text.get('region');
    const s = batch.strings;
    let lastAcct = -1, lastRegion = -1, lastHour = -1;
    let target: { key: PartitionKey; rows: number[] } | undefined;
    for (let i = 0; i < batch.length; i++) {
      let t = batch.start[i] as number;
      if (t === 0) t = batch.end[i] as number;
      if (t === 0) {
        // no time at all (malformed telemetry row): file it under the hour it arrived
        t = Math.floor(this.now() / 1000);
        this.m.rowsWithoutTime++;
      }
      const hour = Math.floor(t / 3600);
      const acct = batch.accountId[i] as number;
      const region = regionCol ? (regionCol[i] as number) : 0;
      if (target === undefined || hour !== lastHour || acct !== lastAcct || region !== lastRegion) {
        const { date, hour: hh } = utcHourOf(t);
        const key: PartitionKey = {
          account: acct === 0 ? UNKNOWN_ACCOUNT : s.get(acct),
          region: region === 0 ? this.options.defaultRegion : s.get(region),
          date,
          hour: hh,
        };
        const prefix = partitionPrefix(key);
        target = out.get(prefix);
        if (!target) out.set(prefix, (target = { key, rows: [] }));
        lastHour = hour;
        lastAcct = acct;
        lastRegion = region;
      }
      target.rows.push(i);
    }
    return out;
  }

  /** The open file for a partition that can take `extras`, opening (and evicting) as needed. */
  private async fileFor(prefix: string, key: PartitionKey, extras: readonly string[]): Promise<OpenFile> {
    let file = this.open.get(prefix);
    if (file?.out && extras.some((f) => !file?.buffer.hasExtra(f))) {
      // the schema is fixed once the first row group is written: start a new file with the union
      const union = [...new Set([...file.buffer.extraFields, ...extras])].sort();
      await this.closeFile(file, 'schema');
      file = undefined;
      extras = union;
    }
    if (!file) {
      while (this.open.size >= this.maxOpenFiles) {
        const lru = [...this.open.values()].reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
        await this.closeFile(lru, 'evicted');
      }
      file = { prefix, partition: key, openedAt: this.now(), buffer: new ColumnBuffer(), rowsWritten: 0, lastGroupBytes: 0, lastUsed: ++this.useCounter };
      this.open.set(prefix, file);
    }
    for (const f of extras) file.buffer.addExtra(f);
    return file;
  }

  private async writeRowGroup(file: OpenFile): Promise<void> {
    const rows = file.buffer.rows;
    if (rows === 0) return;
    try {
      if (!file.out) {
        const key = `${file.prefix}${this.fileName(file.openedAt)}`;
        const sinkFile = await this.options.sink.create(key);
        const bytes = new SinkByteWriter(sinkFile);
        const parquet = new ParquetWriter({
          writer: bytes,
          schema: flowParquetSchema(file.buffer.extraFields),
          codec: 'ZSTD',
          compressors: this.compressors,
          kvMetadata: [{ key: 'flowguard.flow-storage', value: '1' }],
          createdBy: 'flowguard flow-storage (hyparquet-writer)',
        });
        file.out = { key, sinkFile, bytes, parquet };
      }
      const out = file.out;
      const before = out.bytes.offset;
      const columnData = file.buffer.drain(this.stats);
      this.buffered -= rows;
      await out.parquet.write({ columnData, rowGroupSize: rows });
      file.rowsWritten += rows;
      file.lastGroupBytes = out.bytes.offset - before;
      this.m.rowGroupsWritten++;
    } catch (e) {
      await this.fail(file, e, rows - file.buffer.rows);
    }
  }

  /** Would one more row group like the last push the file past maxFileBytes? */
  private wouldOverflow(file: OpenFile): boolean {
    return file.out !== undefined && file.out.bytes.offset + file.lastGroupBytes > this.maxFileBytes;
  }

  private async closeAll(files: OpenFile[], reason: RollReason): Promise<void> {
    let firstError: unknown;
    for (const f of files) {
      try {
        await this.closeFile(f, reason);
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError) throw firstError;
  }

  private async closeFile(file: OpenFile, reason: RollReason): Promise<void> {
    this.open.delete(file.prefix);
    await this.writeRowGroup(file);
    const out = file.out;
    if (!out) return; // never received a row
    const t0 = performance.now();
    try {
      await out.parquet.finish();
      await out.sinkFile.commit();
    } catch (e) {
      await this.fail(file, e, 0);
    }
    const bytes = out.bytes.offset;
    this.m.filesCommitted++;
    this.m.bytesCommitted += bytes;
    this.m.rowsCommitted += file.rowsWritten;
    this.m.rolls[reason]++;
    this.m.lastCommitMs = performance.now() - t0;
    this.options.onFileCommitted?.({ key: out.key, partition: file.partition, rows: file.rowsWritten, bytes, reason });
  }

  /** A file that cannot be completed: abort it, count its rows as lost and throw a clear error. */
  private async fail(file: OpenFile, e: unknown, pendingRows: number): Promise<never> {
    this.open.delete(file.prefix);
    this.buffered -= file.buffer.rows;
    const lost = file.rowsWritten + pendingRows + file.buffer.rows;
    this.m.failedFiles++;
    this.m.rowsLost += lost;
    await file.out?.sinkFile.abort();
    const why = e instanceof Error ? e.message : String(e);
    const key = file.out?.key ?? file.prefix;
    throw new FlowStorageError(`writing ${key} to ${this.options.sink.kind} failed (${lost} rows lost): ${why}`, key, lost, e);
  }

  /** Encode the largest buffers early until under half the cap. */
  private async relieveMemory(): Promise<void> {
    const files = [...this.open.values()].sort((a, b) => b.buffer.rows - a.buffer.rows);
    for (const f of files) {
      if (this.buffered <= this.maxBufferedRows / 2) break;
      this.m.earlyRowGroups++;
      await this.writeRowGroup(f);
      if (this.wouldOverflow(f)) await this.closeFile(f, 'size');
    }
  }

  private fileName(openedAt: number): string {
    const ts = new Date(openedAt).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    return `part-${ts}-${this.instance}-${String(++this.seq).padStart(6, '0')}.zstd.parquet`;
  }
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`PartitionedParquetWriter: ${name} must be a positive number, got ${v}`);
  return v;
}
