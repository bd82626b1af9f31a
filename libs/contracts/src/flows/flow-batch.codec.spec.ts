import { Action, FlowBatch } from './flow-batch';
import { decodeFlowBatch, encodeFlowBatch } from './flow-batch.codec';
import { batchFromRecords, recordAt, type FlowRecord } from './flow-record';

const records: FlowRecord[] = [
  { version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', srcPort: 443, dstPort: 51000, protocol: 6, packets: 10, bytes: 8400, start: 1700000000, end: 1700000060, action: 'ACCEPT', logStatus: 'OK' },
  { version: 5, accountId: '123456789012', interfaceId: 'eni-2', srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', srcPort: 22, dstPort: 40000, protocol: 6, packets: 3, bytes: 2 ** 40, start: 1700000001, end: 1700000002, action: 'REJECT', logStatus: 'OK', tcpFlags: 2, flowDirection: 'ingress', fields: { 'vpc-id': 'vpc-1', 'pkt-src-aws-service': 'S3' } },
  { version: 2, accountId: '123456789012', interfaceId: 'eni-3', start: 1700000000, end: 1700000060, logStatus: 'NODATA' },
];

describe('flow batch codec', () => {
  it('round-trips every column, including extra text fields and absent values', () => {
    const batch = batchFromRecords(records);
    const decoded = decodeFlowBatch(encodeFlowBatch(batch));
    expect(decoded.length).toBe(3);
    expect(records.map((_, i) => recordAt(decoded, i))).toEqual(records);
  });

  it('decodes from a Buffer at an unaligned offset', () => {
    const bytes = encodeFlowBatch(batchFromRecords(records));
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    expect(recordAt(decodeFlowBatch(shifted.subarray(3)), 1)).toEqual(records[1]);
  });

  it('round-trips an empty batch', () => {
    expect(decodeFlowBatch(encodeFlowBatch(new FlowBatch(0))).length).toBe(0);
  });

  it('rejects garbage, truncation and out-of-range string ids with a typed error', () => {
    const bytes = encodeFlowBatch(batchFromRecords(records));
    expect(() => decodeFlowBatch(Buffer.from('hello world, not a batch'))).toThrow(/invalid flow batch: bad magic/);
    expect(() => decodeFlowBatch(bytes.subarray(0, bytes.length - 9))).toThrow(/invalid flow batch/);
    const evil = Buffer.from(bytes);
    // corrupt the first srcAddr id: find the srcAddr column by name and overwrite its data
    const at = evil.indexOf(Buffer.from('srcAddr'));
    evil.writeUInt32LE(9999, at - 4 + 16); // header: 4 bytes + name, padded to 16
    expect(() => decodeFlowBatch(evil)).toThrow(/outside the string table/);
  });

  it('grows a batch and keeps rows', () => {
    const b = new FlowBatch(1);
    for (let i = 0; i < 100; i++) {
      b.reserve(1);
      b.action[b.length] = Action.ACCEPT;
      b.dstPort[b.length] = i;
      b.length++;
    }
    expect(Array.from(b.dstPort.subarray(0, 100))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('FlowBatch.select', () => {
  it('copies the chosen rows of every column kind, sharing the string table', () => {
    const b = batchFromRecords(Array.from({ length: 50 }, (_, i): FlowRecord => ({
      srcAddr: `10.0.0.${i}`, dstAddr: '10.0.0.255', srcPort: i, dstPort: 443, protocol: 6, packets: i * 1.5, bytes: i * 100, start: i + 1, end: i + 60,
      action: i % 3 ? 'ACCEPT' : 'REJECT', tcpFlags: i % 20, flowDirection: 'egress', trafficPath: (i % 8) + 1, marks: i + 1,
      fields: i % 2 ? { 'vpc-id': `vpc-${i}` } : { 'pkt-srcaddr': '1.2.3.4' },
    })));
    const keep = [0, 3, 4, 17, 49];
    const out = b.select(new Uint32Array(keep));
    expect(out.strings).toBe(b.strings);
    expect(Array.from({ length: out.length }, (_, i) => recordAt(out, i))).toEqual(keep.map((k) => recordAt(b, k)));
    expect(b.select(new Uint32Array(0)).length).toBe(0);
  });
});
