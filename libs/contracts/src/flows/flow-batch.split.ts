/**
 * Splitting a large batch into message-sized ones. A batch is one Kafka
 * message and the codec writes its whole string table into it, so a part that
 * kept the original table would carry every value of every other part: each
 * part gets its own table with only the values its rows use (ids remapped),
 * and the parts together encode to about the size of the whole.
 *
 * For the delivery paths whose unit is not bounded by rows (a Kinesis
 * GetRecords response: up to 10,000 records of up to 1 MB of gzip each; a
 * Firehose request; a Parquet row group), so that no message outgrows the
 * topic's max.message.bytes.
 */
import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS, StringTable } from './flow-batch';

/** `batch` itself when it has at most `maxRows` rows, else parts of at most `maxRows` rows in row order. */
export function splitFlowBatch(batch: FlowBatch, maxRows: number): FlowBatch[] {
  const step = Math.max(1, Math.floor(maxRows));
  if (batch.length <= step) return [batch];
  const src = batch.strings;
  // source id -> part id + 1 in the current part (0: not yet in this part); reset through `used`
  const remap = new Int32Array(src.size);
  const used: number[] = [];
  const parts: FlowBatch[] = [];
  for (let from = 0; from < batch.length; from += step) {
    const to = Math.min(batch.length, from + step);
    const n = to - from;
    const table = new StringTable();
    const part = new FlowBatch(n, table);
    for (const name of NUMERIC_COLUMNS) (part.numeric(name) as Uint32Array).set((batch.numeric(name) as Uint32Array).subarray(from, to));
    const copyText = (s: Uint32Array, d: Uint32Array) => {
      for (let i = 0; i < n; i++) {
        const id = s[from + i] as number;
        if (id === 0) continue;
        let m = remap[id] as number;
        if (m === 0) {
          m = table.intern(src.get(id)) + 1;
          remap[id] = m;
          used.push(id);
        }
        d[i] = m - 1;
      }
    };
    for (const name of CORE_TEXT_COLUMNS) copyText(batch.core(name), part.core(name));
    for (const [field, col] of batch.text) copyText(col, part.textColumn(field));
    part.length = n;
    parts.push(part);
    for (const id of used) remap[id] = 0;
    used.length = 0;
  }
  return parts;
}
