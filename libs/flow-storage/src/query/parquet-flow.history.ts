/**
 * Answers history queries from the Parquet files (embedded mode, or straight
 * from S3): partitions are pruned by the hour in their directory names, row
 * groups by their `start` statistics, and columns are decoded only for row
 * ranges that still have candidates. Hours are read newest first and reading
 * stops once a full hour has filled the page, since every row of an hour
 * partition starts within that hour.
 */
import type { FlowRecord } from '@flowguard/contracts';
import { flowIdOf } from '../flow-document';
import { readAllColumns, recordFromColumns, scanFlowFile } from '../parquet/flow-parquet.reader';
import { parsePartitionPath, partitionHourStart } from '../parquet/partition-path';
import type { FlowObjectSink, StoredObject } from '../sinks/object-sink.port';
import { addressMatcher } from './address.matcher';
import { encodeCursor, isAfter, type FlowPage, type ValidatedFlowQuery } from './flow-query';
import type { FlowHistoryBackend } from './flow-history.service';

export interface ParquetHistoryMetrics {
  queries: number;
  filesRead: number;
  rowGroupsRead: number;
  rowsScanned: number;
  /** files that could not be read (corrupt, vanished under retention); skipped, not fatal */
  fileErrors: number;
}

interface Hit {
  start: number;
  id: string;
  record: FlowRecord;
}

const ADDRESS_COLUMNS = ['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr'];

export class ParquetFlowHistory implements FlowHistoryBackend {
  readonly name = 'parquet';
  private readonly m: ParquetHistoryMetrics = { queries: 0, filesRead: 0, rowGroupsRead: 0, rowsScanned: 0, fileErrors: 0 };

  constructor(private readonly o: { sink: FlowObjectSink; onFileError?: (key: string, e: Error) => void }) {}

  metrics(): ParquetHistoryMetrics {
    return { ...this.m };
  }

  async search(q: ValidatedFlowQuery): Promise<FlowPage> {
    this.m.queries++;
    const hours = await this.candidateHours(q);
    const hits: Hit[] = [];
    for (const [, files] of hours) {
      for (const f of files) {
        await this.searchFile(f, q, hits);
        // only the best limit+1 can be on this page (or tell that there is a next one)
        if (hits.length > q.limit + 1) {
          sortHits(hits);
          hits.length = q.limit + 1;
        }
      }
      // every later hour is older than everything already found
      if (hits.length > q.limit) break;
    }
    sortHits(hits);
    const page = hits.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      records: page.map((h) => h.record),
      ...(hits.length > q.limit && last ? { cursor: encodeCursor({ start: last.start, id: last.id }, q.fingerprint) } : {}),
    };
  }

  /** Files per partition hour that can hold matching rows, newest hour first. */
  private async candidateHours(q: ValidatedFlowQuery): Promise<[number, StoredObject[]][]> {
    const firstHour = Math.floor(q.from / 3600) * 3600;
    const lastStart = Math.min(q.to - 1, q.after ? q.after.start : Infinity);
    const byHour = new Map<number, StoredObject[]>();
    for (const o of await this.o.sink.list()) {
      const p = parsePartitionPath(o.key);
      if (!p) continue;
      const h = partitionHourStart(p);
      if (h < firstHour || h > lastStart) continue;
      let list = byHour.get(h);
      if (!list) byHour.set(h, (list = []));
      list.push(o);
    }
    return [...byHour].sort((a, b) => b[0] - a[0]);
  }

  private async searchFile({ key, size }: StoredObject, q: ValidatedFlowQuery, hits: Hit[]): Promise<void> {
    let reader;
    try {
      reader = await this.o.sink.open(key, size);
    } catch (e) {
      return this.fileError(key, e);
    }
    try {
      const scan = await scanFlowFile(reader, { from: q.from, to: q.to });
      this.m.filesRead++;
      const matchAddr = q.network ? addressMatcher(q.network) : undefined;
      for (const range of scan.ranges) {
        this.m.rowGroupsRead++;
        const n = range.rowEnd - range.rowStart;
        this.m.rowsScanned += n;
        // narrow with the cheapest columns first; decode the rest only for survivors
        const start = await range.column('start');
        let rows: number[] = [];
        for (let i = 0; i < n; i++) {
          const s = toNum(start[i]);
          if (s !== undefined && s >= q.from && s < q.to && (!q.after || s <= q.after.start)) rows.push(i);
        }
        if (rows.length && q.action) rows = await keep(rows, range.column('action'), (v) => v === q.action);
        if (rows.length && q.eni) rows = await keep(rows, range.column('interface_id'), (v) => v === q.eni);
        if (rows.length && q.port !== undefined) {
          const sp = await range.column('srcport');
          const dp = await range.column('dstport');
          rows = rows.filter((i) => toNum(sp[i]) === q.port || toNum(dp[i]) === q.port);
        }
        if (rows.length && matchAddr) {
          const cols = await Promise.all(ADDRESS_COLUMNS.map((c) => range.column(c)));
          rows = rows.filter((i) => cols.some((col) => matchAddr(col[i])));
        }
        if (rows.length === 0) continue;
        // only rows that can still make the page are worth decoding and hashing
        // (rows starting exactly at the cursor's second are kept whole: flow_id decides which are past it)
        const after = q.after;
        const ties = after ? rows.filter((i) => toNum(start[i]) === after.start) : [];
        const rest = after ? rows.filter((i) => toNum(start[i]) !== after.start) : rows;
        rows = ties.concat(topByStart(rest, start, q.limit + 1, hits.length > q.limit ? worstStart(hits, q.limit) : -Infinity));
        if (rows.length === 0) continue;
        const cols = await readAllColumns(range, scan.columnNames);
        for (const i of rows) {
          const record = recordFromColumns(cols, i);
          const id = flowIdOf(record);
          const s = record.start as number;
          if (isAfter(s, id, q.after)) hits.push({ start: s, id, record });
        }
      }
    } catch (e) {
      this.fileError(key, e);
    } finally {
      await reader.close().catch(() => undefined);
    }
  }

  private fileError(key: string, e: unknown): void {
    this.m.fileErrors++;
    this.o.onFileError?.(key, e instanceof Error ? e : new Error(String(e)));
  }
}

const toNum = (v: unknown): number | undefined => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined);

async function keep(rows: number[], column: Promise<ArrayLike<unknown>>, test: (v: unknown) => boolean): Promise<number[]> {
  const col = await column;
  return rows.filter((i) => test(col[i]));
}

function sortHits(hits: Hit[]): void {
  hits.sort((a, b) => b.start - a.start || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The start of the (limit+1)-th best hit so far: rows starting earlier cannot be on this page. */
function worstStart(hits: Hit[], limit: number): number {
  sortHits(hits);
  return (hits[limit] as Hit).start;
}

/** Rows whose start is at least the k-th largest among them and at least `floor` (ties kept: flow_id decides later). */
function topByStart(rows: number[], start: ArrayLike<unknown>, k: number, floor: number): number[] {
  let kept = rows.filter((i) => (toNum(start[i]) as number) >= floor);
  if (kept.length <= k) return kept;
  const starts = kept.map((i) => toNum(start[i]) as number).sort((a, b) => b - a);
  const kth = starts[k - 1] as number;
  kept = kept.filter((i) => (toNum(start[i]) as number) >= kth);
  return kept;
}
