/**
 * What the repartition stage writes into the headers of every sub-batch it
 * publishes to flows.by-src / flows.by-dst, so that the detect stage can
 *
 * - keep one event-time watermark per *origin* (flows.enriched partition):
 *   sub-batches of several origins interleave in one repartition partition in
 *   an order that depends on consumer timing, so the max event time seen
 *   there would depend on timing too; the minimum over the origins' own
 *   progress does not;
 * - drop rows it already ingested when the repartition stage publishes the
 *   same input again (a retry, or a rebalance after a publish whose commit was
 *   lost), exactly, by origin offset.
 */
export const OriginHeaders = {
  /** flows.enriched partition the rows came from */
  origin: 'flowguard-origin',
  /** `offset:rows,offset:rows,…` — the input messages in this sub-batch, in order, with their row counts */
  rows: 'flowguard-origin-rows',
  /** the last input offset this sub-batch accounts for (also for messages with no rows here) */
  last: 'flowguard-origin-last',
  /** max event time (start, epoch s) of every row of the origin up to `last`, all buckets */
  progress: 'flowguard-origin-progress',
  /** broker timestamp (epoch ms) of the input message that last raised `progress` */
  progressTs: 'flowguard-origin-progress-ts',
} as const;

export interface OriginStamp {
  readonly origin: number;
  /** input offsets (as numbers: Kafka offsets stay below 2^53 in practice) and their row counts, ascending */
  readonly rows: ReadonlyArray<readonly [offset: number, count: number]>;
  readonly last: number;
  readonly progress: number;
  readonly progressTs: number;
}

export function stampHeaders(s: OriginStamp): Record<string, string> {
  return {
    [OriginHeaders.origin]: String(s.origin),
    [OriginHeaders.rows]: s.rows.map(([o, n]) => `${o}:${n}`).join(','),
    [OriginHeaders.last]: String(s.last),
    [OriginHeaders.progress]: String(s.progress),
    [OriginHeaders.progressTs]: String(s.progressTs),
  };
}

const INT = /^-?\d+$/;

/**
 * The stamp of a delivered sub-batch, or null when it has none (a producer
 * other than the repartition stage). Throws a StampError when headers are
 * present but malformed or disagree with the batch's row count.
 */
export function readStamp(headers: Readonly<Record<string, string>>, rowCount: number): OriginStamp | null {
  const origin = headers[OriginHeaders.origin];
  if (origin === undefined) return null;
  const fields = [origin, headers[OriginHeaders.last], headers[OriginHeaders.progress], headers[OriginHeaders.progressTs]];
  if (fields.some((f) => f === undefined || !INT.test(f))) throw new StampError('origin headers are incomplete or not integers');
  const rowsText = headers[OriginHeaders.rows] ?? '';
  const rows: Array<readonly [number, number]> = [];
  let total = 0;
  let prev = -Infinity;
  for (const part of rowsText === '' ? [] : rowsText.split(',')) {
    const [o, n] = part.split(':');
    if (o === undefined || n === undefined || !INT.test(o) || !INT.test(n)) throw new StampError(`bad ${OriginHeaders.rows} entry "${part}"`);
    const offset = Number(o);
    const count = Number(n);
    if (offset <= prev || count < 0) throw new StampError(`${OriginHeaders.rows} must list ascending offsets with non-negative counts`);
    prev = offset;
    total += count;
    rows.push([offset, count]);
  }
  if (total !== rowCount) throw new StampError(`${OriginHeaders.rows} accounts for ${total} rows, the batch has ${rowCount}`);
  const last = Number(fields[1]);
  if (rows.length > 0 && (rows[rows.length - 1] as readonly [number, number])[0] > last) throw new StampError(`${OriginHeaders.last} is before the last listed offset`);
  return { origin: Number(origin), rows, last, progress: Number(fields[2]), progressTs: Number(fields[3]) };
}

export class StampError extends Error {}
