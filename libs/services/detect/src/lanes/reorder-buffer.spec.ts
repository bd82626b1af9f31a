import { batchFromRecords, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { ReorderBuffer } from './reorder-buffer';

const rows = (starts: number[], tag: string): FlowBatch => batchFromRecords(starts.map((start, i): FlowRecord => ({
  version: 2, accountId: '1', interfaceId: tag, srcAddr: `10.0.0.${i}`, dstAddr: '10.9.9.9', srcPort: 1, dstPort: 2,
  protocol: 6, packets: 1, bytes: 40, start, end: start, action: 'ACCEPT', logStatus: 'OK',
})));
const view = (b: FlowBatch) => Array.from({ length: b.length }, (_, i) => `${b.start[i]}:${b.strings.get(b.interfaceId[i] as number)}:${b.src(i)}`);

describe('ReorderBuffer', () => {
  const a = () => rows([130, 61, 125, 60], 'a');
  const b = () => rows([60, 119, 60], 'b');
  const c = () => rows([70], 'c');

  it('releases whole grains in (start, origin, offset, row) order, however the batches were added', () => {
    const one = new ReorderBuffer(60);
    one.add(0, 5, a());
    one.add(1, 2, b());
    one.add(0, 9, c());
    const two = new ReorderBuffer(60);
    two.add(0, 9, c());
    two.add(1, 2, b());
    two.add(0, 5, a());
    const s1 = one.release(120);
    const s2 = two.release(120);
    expect(s1.map((s) => s.start)).toEqual([60]);
    expect(view((s1[0] as { batch: FlowBatch }).batch)).toEqual(view((s2[0] as { batch: FlowBatch }).batch));
    expect(view((s1[0] as { batch: FlowBatch }).batch)).toEqual([
      '60:a:10.0.0.3', '60:b:10.0.0.0', '60:b:10.0.0.2', '61:a:10.0.0.1', '70:c:10.0.0.0', '119:b:10.0.0.1',
    ]);
    expect(one.rows).toBe(2); // 125 and 130 wait for the next grain
    expect(one.released).toBe(120);
  });

  it('hands back rows of grains already released, as late', () => {
    const buf = new ReorderBuffer(60);
    buf.add(0, 0, rows([100], 'a'));
    buf.release(120);
    const late = buf.add(0, 1, rows([90, 130], 'a'));
    expect(late && view(late)).toEqual(['90:a:10.0.0.0']);
    expect(buf.rows).toBe(1);
    expect(buf.releaseAll().map((s) => s.start)).toEqual([120]);
    expect(buf.rows).toBe(0);
  });
});
