import { encodeFlowBatch, decodeFlowBatch } from './flow-batch.codec';
import { splitFlowBatch } from './flow-batch.split';
import { batchFromRecords, recordAt, type FlowRecord } from './flow-record';

const records: FlowRecord[] = Array.from({ length: 1000 }, (_, i) => ({
  version: 5, accountId: '123456789012', interfaceId: `eni-${i % 7}`, srcAddr: `10.0.${i % 250}.${(i * 7) % 250}`, dstAddr: i % 3 ? '203.0.113.9' : '2001:db8::1',
  srcPort: 40000 + i, dstPort: 443, protocol: 6, packets: i, bytes: i * 100, start: 1700000000 + i, end: 1700000060 + i, action: i % 9 ? 'ACCEPT' : 'REJECT',
  logStatus: 'OK', tcpFlags: i % 32, flowDirection: i % 2 ? 'egress' : 'ingress', trafficPath: i % 2 ? 1 : undefined, marks: i % 4,
  fields: { 'vpc-id': `vpc-${i % 3}`, ...(i % 5 === 0 ? { 'src-country': 'NL' } : {}) },
}));

describe('splitFlowBatch', () => {
  it('keeps a batch within the limit as it is', () => {
    const b = batchFromRecords(records.slice(0, 10));
    expect(splitFlowBatch(b, 10)).toEqual([b]);
  });

  it('gives parts with the same rows in order, each with only the strings its rows use', () => {
    const whole = batchFromRecords(records);
    const parts = splitFlowBatch(whole, 128);
    expect(parts.map((p) => p.length)).toEqual([...Array(7).fill(128), 104]);
    const rows = parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => recordAt(p, i)));
    expect(rows).toEqual(records.map((_, i) => recordAt(whole, i)));
    for (const p of parts) {
      const usedIds = new Set<number>();
      for (const col of [p.srcAddr, p.dstAddr, p.accountId, p.interfaceId, ...p.text.values()]) for (let i = 0; i < p.length; i++) if (col[i]) usedIds.add(col[i] as number);
      // every value in the part's table is used by one of its rows
      expect(p.strings.size - 1).toBe(usedIds.size);
      // and the part survives the wire on its own
      const back = decodeFlowBatch(encodeFlowBatch(p));
      expect(Array.from({ length: back.length }, (_, i) => recordAt(back, i))).toEqual(Array.from({ length: p.length }, (_, i) => recordAt(p, i)));
    }
    // the parts together cost about the whole on the wire, not parts × the whole table
    const total = parts.reduce((n, p) => n + encodeFlowBatch(p).length, 0);
    expect(total).toBeLessThan(encodeFlowBatch(whole).length * 1.5);
  });
});
