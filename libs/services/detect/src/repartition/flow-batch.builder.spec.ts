import { batchFromRecords, recordAt, type FlowRecord } from '@flowguard/contracts';
import { FlowBatchBuilder } from './flow-batch.builder';

const rec = (src: string, dst: string, start: number, eni = 'eni-1'): FlowRecord => ({
  version: 2, accountId: '123456789012', interfaceId: eni, srcAddr: src, dstAddr: dst, srcPort: 1000, dstPort: 443,
  protocol: 6, packets: 3, bytes: 300, start, end: start + 1, action: 'ACCEPT', logStatus: 'OK',
});

describe('FlowBatchBuilder', () => {
  it('concatenates batches with different string tables into one whose table holds only the strings its rows use', () => {
    const a = batchFromRecords([rec('10.0.0.1', '10.0.0.2', 100), rec('10.0.0.3', '10.0.0.4', 101)]);
    const b = batchFromRecords([rec('10.0.0.2', '10.0.0.9', 102, 'eni-2')]);
    const onlyFirst = a.select([0]); // shares a's table, which also holds 10.0.0.3 / 10.0.0.4
    const builder = new FlowBatchBuilder(1);
    builder.append(onlyFirst);
    builder.append(b);
    const out = builder.take();
    expect(out.length).toBe(2);
    expect(recordAt(out, 0)).toEqual(recordAt(a, 0));
    expect(recordAt(out, 1)).toEqual(recordAt(b, 0));
    expect(new Set(out.strings.values)).toEqual(new Set(['', '10.0.0.1', '10.0.0.2', '10.0.0.9', '123456789012', 'eni-1', 'eni-2']));
    expect(builder.length).toBe(0); // take() starts over
  });

  it('keeps extra text columns, absent where a batch did not have them', () => {
    const a = batchFromRecords([rec('10.0.0.1', '10.0.0.2', 100)]);
    const b = batchFromRecords([rec('10.0.0.5', '10.0.0.6', 101)]);
    b.textColumn('vpc-id')[0] = b.strings.intern('vpc-42');
    const builder = new FlowBatchBuilder();
    builder.append(a);
    builder.append(b);
    const out = builder.take();
    expect(out.textValue('vpc-id', 0)).toBe('');
    expect(out.textValue('vpc-id', 1)).toBe('vpc-42');
  });

  it('appends selected rows in the given order', () => {
    const a = batchFromRecords([rec('10.0.0.1', '10.0.0.2', 100), rec('10.0.0.3', '10.0.0.4', 101), rec('10.0.0.5', '10.0.0.6', 102)]);
    const builder = new FlowBatchBuilder();
    builder.appendRows(a, [2, 0]);
    builder.appendRows(a, [0, 1, 2]);
    const out = builder.take();
    expect([0, 1, 2, 3, 4].map((i) => out.start[i])).toEqual([102, 100, 100, 101, 102]);
  });
});
