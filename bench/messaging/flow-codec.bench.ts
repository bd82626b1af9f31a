/**
 * Flow-batch binary codec vs one JSON message per record, in the same run.
 *
 *   scripts/run-ts.sh bench/messaging/flow-codec.bench.ts [batches=40] [batchSize=5000]
 *
 * Measures records/s for encode and decode and bytes per record. The records
 * are realistic v5 flow records (sampleFlowRecords): a /16 of hosts, common
 * ports, REJECTs, NODATA rows, vpc/subnet/region/az text fields.
 */
import { batchFromRecords, decodeFlowBatch, encodeFlowBatch, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { sampleFlowRecords } from '@flowguard/messaging';
import { fmt, machineLine, printTable } from '../common/bench-report';

const batches = Number(process.argv[2] ?? 40);
const batchSize = Number(process.argv[3] ?? 5_000);
const ROUNDS = 5;

function best(fn: () => void): number {
  let bestMs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return bestMs;
}

function main(): void {
  const records: FlowRecord[][] = Array.from({ length: batches }, (_, i) => sampleFlowRecords(batchSize, i + 1, 1_700_000_000 + i * 100));
  const total = batches * batchSize;
  const flowBatches: FlowBatch[] = records.map((r) => batchFromRecords(r));

  // flow batch: one binary message per 5,000 records
  let encoded: Buffer[] = [];
  const encMs = best(() => (encoded = flowBatches.map((b) => encodeFlowBatch(b))));
  let rows = 0;
  const decMs = best(() => {
    rows = 0;
    for (const buf of encoded) rows += decodeFlowBatch(buf).length;
  });
  if (rows !== total) throw new Error(`decoded ${rows} rows, expected ${total}`);
  const flowBytes = encoded.reduce((s, b) => s + b.byteLength, 0);

  // baseline: one JSON message per record (what a naive pipeline sends)
  let json: Buffer[] = [];
  const jEncMs = best(() => {
    json = [];
    for (const batch of records) for (const r of batch) json.push(Buffer.from(JSON.stringify(r)));
  });
  let parsed = 0;
  const jDecMs = best(() => {
    parsed = 0;
    for (const b of json) if ((JSON.parse(b.toString('utf8')) as FlowRecord).interfaceId) parsed++;
  });
  if (parsed !== total) throw new Error(`parsed ${parsed} records, expected ${total}`);
  const jsonBytes = json.reduce((s, b) => s + b.byteLength, 0);

  const rate = (ms: number) => fmt(total / (ms / 1000));
  printTable(`Flow codec: ${fmt(total)} records (${batches} batches of ${fmt(batchSize)}), best of ${ROUNDS} rounds — ${machineLine()}`,
    ['format', 'messages', 'encode rec/s', 'decode rec/s', 'bytes/record'],
    [
      ['flow batch (binary, columnar)', fmt(encoded.length), rate(encMs), rate(decMs), fmt(flowBytes / total, 1)],
      ['JSON per record (baseline)', fmt(json.length), rate(jEncMs), rate(jDecMs), fmt(jsonBytes / total, 1)],
      ['speed-up / size ratio', '', `${fmt(jEncMs / encMs, 1)}x`, `${fmt(jDecMs / decMs, 1)}x`, `${fmt(jsonBytes / flowBytes, 1)}x smaller`],
    ]);
}

main();
