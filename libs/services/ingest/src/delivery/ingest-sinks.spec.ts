import { parseFlowLogText } from '@flowguard/flowlog';
import { recordAt } from '@flowguard/contracts';
import { harness } from '../testing/ingest.harness';

const row = (i: number) => `2 123456789012 eni-${i % 5} 10.0.${i % 250}.${(i * 3) % 250} 203.0.113.${i % 200} ${1000 + i} 443 6 1 40 1700000000 1700000001 ACCEPT OK`;

describe('IngestSinks', () => {
  it('publishes a delivered batch over INGEST_BATCH_ROWS as several messages with their own string tables, rows in order', async () => {
    const h = await harness({ INGEST_BATCH_ROWS: '64', INGEST_FILTER: 'false' });
    // one large batch, as a Kinesis GetRecords response or a Firehose request arrives
    const big = parseFlowLogText(Array.from({ length: 300 }, (_, i) => row(i)).join('\n')).batch;
    await h.sinks.sink(big, { source: 'kinesis', position: 'kinesis:s/shard-0@1..9', key: 'shard-0' });
    const out = h.batches();
    expect(out.map((b) => b.length)).toEqual([64, 64, 64, 64, 44]);
    const rows = out.flatMap((b) => Array.from({ length: b.length }, (_, i) => recordAt(b, i)));
    expect(rows.map((r) => r.srcPort)).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
    expect(rows.map((r) => r.srcAddr)).toEqual(Array.from({ length: 300 }, (_, i) => `10.0.${i % 250}.${(i * 3) % 250}`));
    // each part carries only its own values (not the whole batch's table)
    expect(Math.max(...out.map((b) => b.strings.size))).toBeLessThan(big.strings.size);
    expect((await h.metrics.render()).body).toMatch(/flowguard_ingest_batches_split_total\{source="kinesis"[^}]*\} 1/);
    await h.close();
  });
});
