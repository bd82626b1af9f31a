/**
 * Messages between the analyze CLI's main thread and its detection workers
 * (detection.worker.ts). A batch travels as compact copies of its columns, moved
 * with a transfer list (no second copy), plus its string table as the UTF-8 bytes
 * the parser already holds (values joined by NUL) and the IPv4 numbers by id the
 * ingest stages already computed.
 *
 * Why not the table's strings (structured clone of a string array, the first
 * version): asking a parsed table for its strings decodes all of them on the busy
 * main thread, and cloning them was the largest single item of its profile (~15 %
 * of the samples on 10 M records, more than the parser's line loop). The engines
 * read addresses by their IPv4 numbers and decode only the few other values (ENI
 * and account ids, IPv6) they meet, one at a time (docs/adr/0022, amendment).
 * Why not the binary FlowBatch codec of @flowguard/contracts: one self-describing
 * buffer made for Kafka; building it copies every column once more on the main thread.
 */
import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS, StringTable, gatherColumn, type AnomalyV1 } from '@flowguard/contracts';
import type { DetectionConfig } from '@flowguard/detection';

/** which half of the detectors a lane runs (threaded-detection.runner.ts, LANE_DETECTORS) */
export type LaneRole = 'first' | 'second';

/** workerData of a detection worker */
export interface LaneInit {
  role: LaneRole;
  config: DetectionConfig;
  /** `--intel` files: every lane loads the same lookup the single-threaded run uses */
  intelFiles: string[];
  /** the lane's share of the detectors, by name (DetectionEngineDeps.detectors) */
  detectors: { only?: string[]; except?: string[] };
}

type Column = FlowBatch[(typeof NUMERIC_COLUMNS)[number]] | Uint32Array;

export interface BatchMessage {
  kind: 'batch';
  length: number;
  /** values 1..stringCount-1 as UTF-8, each but the last followed by NUL */
  strings: Uint8Array;
  stringCount: number;
  /** StringTable.ipv4Values() of the table (-1: not IPv4) */
  ipv4: Float64Array;
  columns: Record<string, Column>;
  text: Array<[string, Uint32Array]>;
}

export type ToLane = BatchMessage | { kind: 'finish' };

export interface LaneTotals {
  flows: number;
  lateDrops: number;
}

export type FromLane =
  | { kind: 'ack' }
  | { kind: 'done'; anomalies: AnomalyV1[]; totals: LaneTotals }
  | { kind: 'error'; message: string; stack?: string };

/**
 * Compact copies of every column of `batch` (rows 0..n-1, or the rows rows[0..n)), its string bytes and IPv4 view,
 * all in one SharedArrayBuffer: posted as is to every lane (a view on shared memory is cloned by
 * reference), so the main thread copies a batch once whatever the number of lanes and transfers
 * nothing. Moving ~20 separate ArrayBuffers per lane cost the main thread ~1 ms a message on
 * 8 k-row batches (2.5 s of 10 M records), more than the copies. Lanes only read batches.
 */
export function toBatchMessage(batch: FlowBatch, rows: ArrayLike<number> | null = null, n = rows ? rows.length : batch.length): { message: BatchMessage; transfer: ArrayBuffer[] } {
  const table = batch.strings;
  const joined = table.joinedUtf8();
  const v4 = table.ipv4Values();
  const cols: Column[] = [];
  for (const name of NUMERIC_COLUMNS) cols.push(batch.numeric(name));
  for (const name of CORE_TEXT_COLUMNS) cols.push(batch[name]);
  for (const col of batch.text.values()) cols.push(col);
  // 8-byte aligned slots: Float64 first, then the rest (each slot rounded up to 8 bytes)
  const align = (b: number) => (b + 7) & ~7;
  let bytes = align(v4.length * 8) + align(joined.length);
  for (const c of cols) bytes += align(n * c.BYTES_PER_ELEMENT);
  const shared = new SharedArrayBuffer(Math.max(bytes, 8));
  let at = 0;
  const take = <T extends Column>(c: T): T => {
    const copy = new (c.constructor as new (b: SharedArrayBuffer, o: number, l: number) => T)(shared, at, n);
    if (rows) gatherColumn(c, copy, rows, n);
    else copy.set(c.subarray(0, n) as never);
    at += align(n * c.BYTES_PER_ELEMENT);
    return copy;
  };
  const ipv4 = new Float64Array(shared, at, v4.length);
  ipv4.set(v4);
  at += align(v4.length * 8);
  const strings = new Uint8Array(shared, at, joined.length);
  strings.set(joined);
  at += align(joined.length);
  const columns: Record<string, Column> = {};
  for (const name of NUMERIC_COLUMNS) columns[name] = take(batch.numeric(name));
  for (const name of CORE_TEXT_COLUMNS) columns[name] = take(batch[name]);
  const text: Array<[string, Uint32Array]> = [];
  for (const [field, col] of batch.text) text.push([field, take(col)]);
  return { message: { kind: 'batch', length: n, strings, stringCount: table.size, ipv4, columns, text }, transfer: [] };
}

const utf8 = new TextDecoder();

/**
 * The table of a received batch: the sender's bytes, a value decoded only when read (engines
 * read addresses through {@link ipv4Values}, which is the sender's). Detectors only read it;
 * the values are already unique, so there is no interning index.
 */
export class ReceivedStringTable extends StringTable {
  /** byte offset of each value's start, by id (ids 1..count-1), and one past the last value */
  private offsets: Int32Array | null = null;
  private readonly decoded: Array<string | undefined>;

  constructor(private readonly bytes: Uint8Array, private readonly count: number, private readonly ipv4: Float64Array) {
    super();
    if (ipv4.length !== count) throw new Error(`batch message: ${ipv4.length} IPv4 values for ${count} strings`);
    this.decoded = new Array<string | undefined>(count);
  }

  override get size(): number {
    return this.count;
  }

  override get(id: number): string {
    if (!(id > 0 && id < this.count)) return '';
    let v = this.decoded[id];
    if (v === undefined) {
      const o = this.offsets ?? this.locate();
      v = utf8.decode(this.bytes.subarray(o[id - 1] as number, (o[id] as number) - 1));
      this.decoded[id] = v;
    }
    return v;
  }

  override get values(): string[] {
    const out = [''];
    for (let id = 1; id < this.count; id++) out.push(this.get(id));
    return out;
  }

  override intern(_value: string): number {
    throw new Error('a received batch string table is read-only');
  }

  override joinedUtf8(): Uint8Array {
    return this.bytes;
  }

  protected override ipv4Known(out: Float64Array): number {
    out.set(this.ipv4.subarray(0, out.length));
    return out.length;
  }

  /** offsets[id - 1] = start of value id; offsets[id] - 1 = its end (the NUL, or the end of the bytes) */
  private locate(): Int32Array {
    const o = new Int32Array(this.count);
    const b = this.bytes;
    let id = 1;
    for (let i = 0; i < b.length && id < this.count; i++) if (b[i] === 0) o[id++] = i + 1;
    if (this.count > 1) {
      if (id !== this.count - 1) throw new Error(`batch message: ${id} string values for ${this.count - 1}`);
      o[this.count - 1] = b.length + 1;
    }
    this.offsets = o;
    return o;
  }
}

export function fromBatchMessage(m: BatchMessage): FlowBatch {
  const batch = new FlowBatch(1, new ReceivedStringTable(m.strings, m.stringCount, m.ipv4));
  const cols = batch as unknown as Record<string, Column>;
  for (const name of [...NUMERIC_COLUMNS, ...CORE_TEXT_COLUMNS]) {
    const c = m.columns[name];
    if (!c || c.length !== m.length) throw new Error(`batch message: column ${name} missing or not ${m.length} rows`);
    cols[name] = c;
  }
  for (const [field, col] of m.text) batch.text.set(field, col);
  batch.capacity = Math.max(m.length, 1);
  batch.length = m.length;
  return batch;
}
