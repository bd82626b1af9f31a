/**
 * Messages between the analyze CLI's main thread and its detection workers
 * (detection.worker.ts). A batch travels as compact copies of its columns, moved
 * with a transfer list (no second copy), plus the strings of its table.
 *
 * Why not the binary FlowBatch codec of @flowguard/contracts: it is made for Kafka
 * (one self-describing buffer); here it would add a join/UTF-8 encode of the string
 * table on the busy main thread and a decode (split + interning) on each worker.
 * Measured on 1 M simulated rows: encode 0.13 s + decode 0.25 s per receiver, against
 * one memcpy per column (a one-off probe; figures in docs/adr/0022).
 */
import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS, StringTable, type AnomalyV1 } from '@flowguard/contracts';
import type { DetectionConfig } from '@flowguard/detection';

export type LaneRole = 'src' | 'dst';

/** workerData of a detection worker */
export interface LaneInit {
  role: LaneRole;
  config: DetectionConfig;
  /** `--intel` files: every lane loads the same lookup the single-threaded run uses */
  intelFiles: string[];
}

type Column = FlowBatch[(typeof NUMERIC_COLUMNS)[number]] | Uint32Array;

export interface BatchMessage {
  kind: 'batch';
  length: number;
  strings: string[];
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

/** Compact copies of every column of `batch` (rows 0..length-1) and the buffers to transfer. */
export function toBatchMessage(batch: FlowBatch): { message: BatchMessage; transfer: ArrayBuffer[] } {
  const n = batch.length;
  const columns: Record<string, Column> = {};
  const transfer: ArrayBuffer[] = [];
  const take = <T extends Column>(c: T): T => {
    const copy = c.slice(0, n) as T;
    transfer.push(copy.buffer as ArrayBuffer);
    return copy;
  };
  for (const name of NUMERIC_COLUMNS) columns[name] = take(batch.numeric(name));
  for (const name of CORE_TEXT_COLUMNS) columns[name] = take(batch[name]);
  const text: Array<[string, Uint32Array]> = [];
  for (const [field, col] of batch.text) text.push([field, take(col)]);
  return { message: { kind: 'batch', length: n, strings: batch.strings.values, columns, text }, transfer };
}

/**
 * The table of a received batch. Detectors only read it; the strings are already
 * unique, so building the interning index (most of the codec's decode time) is skipped.
 */
class ReceivedStringTable extends StringTable {
  constructor(values: readonly string[]) {
    super();
    for (let i = 1; i < values.length; i++) this.values.push(values[i] as string);
  }

  override intern(_value: string): number {
    throw new Error('a received batch string table is read-only');
  }
}

export function fromBatchMessage(m: BatchMessage): FlowBatch {
  const batch = new FlowBatch(1, new ReceivedStringTable(m.strings));
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
