import { batchFromRecords, recordAt, type FlowRecord } from '@flowguard/contracts';
import { selectRows } from './batch-select';

it('selectRows gives the same rows as FlowBatch.select, sharing the string table', () => {
  const b = batchFromRecords(Array.from({ length: 50 }, (_, i): FlowRecord => ({
    srcAddr: `10.0.0.${i}`, dstAddr: '10.0.0.255', srcPort: i, dstPort: 443, protocol: 6, packets: i * 1.5, bytes: i * 100, start: i, end: i + 60,
    action: i % 3 ? 'ACCEPT' as const : 'REJECT' as const, tcpFlags: i % 20, flowDirection: 'egress' as const, trafficPath: (i % 8) + 1, marks: i,
    fields: (i % 2 ? { 'vpc-id': `vpc-${i}` } : { 'pkt-srcaddr': '1.2.3.4' }) as Record<string, string>,
  })));
  const keep = new Uint32Array([0, 3, 4, 17, 49]);
  const a = selectRows(b, keep, keep.length);
  const ref = b.select(keep);
  expect(a.strings).toBe(b.strings);
  expect(Array.from({ length: a.length }, (_, i) => recordAt(a, i))).toEqual(Array.from({ length: ref.length }, (_, i) => recordAt(ref, i)));
  expect(selectRows(b, new Uint32Array(0), 0).length).toBe(0);
});
