/**
 * Our files follow the AWS Parquet flow-log schema closely enough that the
 * project's own AWS Parquet flow-log parser (@flowguard/flowlog, written from
 * the AWS documentation, not from this writer) reads them back to the same rows.
 */
import { batchFromRecords, recordAt } from '@flowguard/contracts';
import { parseParquetFlowLogs } from '@flowguard/flowlog';
import { flowFixtures } from '../testing/flow-fixtures';
import { MemorySink } from '../testing/memory.sink';
import { must } from '../testing/must';
import { PartitionedParquetWriter } from './partitioned-parquet.writer';

it('stored files parse with the AWS Parquet flow-log parser to the same records', async () => {
  const sink = new MemorySink();
  const batch = batchFromRecords(flowFixtures({ count: 200, start: 1709647200, step: 3, rich: true }).map((r) => ({ ...r, marks: undefined })));
  const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
  await w.write(batch);
  await w.flush();
  const [obj] = await sink.list();
  const parsed = [];
  for await (const result of parseParquetFlowLogs(must(sink.objects.get(must(obj).key)))) {
    expect(result.errors).toEqual([]);
    for (let i = 0; i < result.batch.length; i++) parsed.push(recordAt(result.batch, i));
  }
  expect(parsed).toEqual(Array.from({ length: batch.length }, (_, i) => recordAt(batch, i)));
});
