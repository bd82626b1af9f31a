/**
 * Rows of one open Parquet file waiting to become a row group, as one JS array
 * per column (what hyparquet-writer encodes). Absent values (the batch's -1 / 0
 * sentinels, string id 0) become Parquet nulls.
 */
import { ABSENT, type FlowBatch } from '@flowguard/contracts';
import type { ColumnSource } from 'hyparquet-writer';
import { CORE_PARQUET_COLUMNS, parquetColumnName } from './flow-parquet.schema';

const ACTION_NAMES: readonly (string | null)[] = [null, 'ACCEPT', 'REJECT'];
const STATUS_NAMES: readonly (string | null)[] = ['OK', 'NODATA', 'SKIPDATA', null];
const DIRECTION_NAMES: readonly (string | null)[] = [null, 'ingress', 'egress'];

type Cell = string | number | bigint | null;

const int = (v: number): number | null => (v === ABSENT ? null : v);
const long = (v: number): bigint | null => (v < 0 || !Number.isFinite(v) ? null : BigInt(Math.round(v)));
const time = (v: number): bigint | null => (v === 0 ? null : BigInt(v));

export class ColumnBuffer {
  rows = 0;
  private readonly core: Cell[][] = CORE_PARQUET_COLUMNS.map(() => []);
  private readonly extras = new Map<string, (string | null)[]>();

  /** Extra (hyphenated) text fields held, in column order. */
  get extraFields(): string[] {
    return [...this.extras.keys()];
  }

  hasExtra(field: string): boolean {
    return this.extras.has(field);
  }

  /** Add a text column (null for the rows already buffered). */
  addExtra(field: string): void {
    if (this.extras.has(field)) return;
    this.extras.set(field, new Array<string | null>(this.rows).fill(null));
  }

  /** Append rows `rows[from..to)` (indices into `batch`). */
  append(batch: FlowBatch, rows: ArrayLike<number>, from: number, to: number): void {
    const s = batch.strings;
    const str = (id: number): string | null => (id === 0 ? null : s.get(id));
    const [version, account, eni, src, dst, sport, dport, proto, packets, bytes, start, end, action, status, flags, direction, path, marks] = this.core as [
      Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[], Cell[],
    ];
    const extraCols: { out: (string | null)[]; col: Uint32Array | undefined }[] = [];
    for (const [field, out] of this.extras) extraCols.push({ out, col: batch.text.get(field) });
    for (let k = from; k < to; k++) {
      const i = rows[k] as number;
      version.push(batch.version[i] as number);
      account.push(str(batch.accountId[i] as number));
      eni.push(str(batch.interfaceId[i] as number));
      src.push(str(batch.srcAddr[i] as number));
      dst.push(str(batch.dstAddr[i] as number));
      sport.push(int(batch.srcPort[i] as number));
      dport.push(int(batch.dstPort[i] as number));
      proto.push(int(batch.protocol[i] as number));
      packets.push(long(batch.packets[i] as number));
      bytes.push(long(batch.bytes[i] as number));
      start.push(time(batch.start[i] as number));
      end.push(time(batch.end[i] as number));
      action.push(ACTION_NAMES[batch.action[i] as number] ?? null);
      status.push(STATUS_NAMES[batch.logStatus[i] as number] ?? null);
      flags.push(int(batch.tcpFlags[i] as number));
      direction.push(DIRECTION_NAMES[batch.direction[i] as number] ?? null);
      path.push(int(batch.trafficPath[i] as number));
      const m = batch.marks[i] as number;
      marks.push(m === 0 ? null : BigInt(m));
      for (const e of extraCols) e.out.push(e.col ? str(e.col[i] as number) : null);
    }
    this.rows += to - from;
  }

  /** The buffered rows as hyparquet-writer column sources; the buffer is left empty. */
  drain(statisticsColumns: ReadonlySet<string>): ColumnSource[] {
    const out: ColumnSource[] = CORE_PARQUET_COLUMNS.map((c, k) => ({
      name: c.name,
      data: this.core[k] as Cell[],
      statistics: statisticsColumns.has(c.name),
    }));
    for (const [field, data] of this.extras) {
      const name = parquetColumnName(field);
      out.push({ name, data, statistics: statisticsColumns.has(name) });
    }
    for (let k = 0; k < this.core.length; k++) this.core[k] = [];
    for (const field of this.extras.keys()) this.extras.set(field, []);
    this.rows = 0;
    return out;
  }
}
