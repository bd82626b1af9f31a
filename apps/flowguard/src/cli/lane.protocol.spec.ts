import { batchFromRecords, type FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { ReceivedStringTable, fromBatchMessage, toBatchMessage } from './lane.protocol';

/** What a worker receives: the message after a structured clone with its transfer list. */
function roundTrip(batch: FlowBatch): FlowBatch {
  const { message, transfer } = toBatchMessage(batch);
  return fromBatchMessage(structuredClone(message, { transfer }));
}

describe('lane batch messages', () => {
  const lines = [
    'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    '2 123456789012 eni-0a1 10.0.0.5 203.0.113.9 44321 443 6 10 8400 1700000000 1700000060 ACCEPT OK',
    '2 123456789012 eni-0a1 203.0.113.9 10.0.0.5 443 44321 6 8 5200 1700000000 1700000060 ACCEPT OK',
    '2 123456789012 eni-0b2 2001:db8::1 10.0.0.7 5353 53 17 1 80 1700000001 1700000061 REJECT OK',
    '2 123456789012 eni-0b2 - - - - - - - 1700000001 1700000061 - NODATA',
  ];

  it('gives the worker the same strings, IPv4 numbers and columns as the parsed batch', () => {
    const parsed = parseFlowLogText(lines.join('\n')).batch;
    const expected = parsed.strings.values.slice();
    const v4 = Array.from(parsed.strings.ipv4Values());
    const got = roundTrip(parsed);
    expect(got.length).toBe(parsed.length);
    expect(got.strings.size).toBe(expected.length);
    expect(Array.from(got.strings.ipv4Values())).toEqual(v4);
    // read one at a time (as engines do), then all
    expect(got.src(2)).toBe('2001:db8::1');
    expect(got.strings.get(0)).toBe('');
    expect(got.strings.get(expected.length)).toBe('');
    expect(got.strings.values).toEqual(expected);
    for (let i = 0; i < parsed.length; i++) {
      expect([got.src(i), got.dst(i), got.bytes[i], got.start[i], got.logStatus[i]]).toEqual([parsed.src(i), parsed.dst(i), parsed.bytes[i], parsed.start[i], parsed.logStatus[i]]);
    }
  });

  it('carries only the given rows when asked, as FlowBatch.select would', () => {
    const parsed = parseFlowLogText(lines.join('\n')).batch;
    const want = parsed.select([1, 3]);
    const { message } = toBatchMessage(parsed, Uint32Array.from([1, 3]));
    const got = fromBatchMessage(structuredClone(message));
    expect(got.length).toBe(2);
    for (const i of [0, 1]) {
      expect([got.src(i), got.dst(i), got.srcPort[i], got.packets[i], got.start[i], got.logStatus[i], got.interfaceId[i]])
        .toEqual([want.src(i), want.dst(i), want.srcPort[i], want.packets[i], want.start[i], want.logStatus[i], want.interfaceId[i]]);
    }
  });

  it('carries values added after parsing and non-ASCII text (a table built from strings)', () => {
    const batch = batchFromRecords([
      { srcAddr: '10.1.2.3', dstAddr: '198.51.100.7', interfaceId: 'eni-ü', fields: { 'vpc-id': 'vpc-é1' } },
      { srcAddr: '198.51.100.7', dstAddr: '10.1.2.3', interfaceId: 'eni-ü' },
    ]);
    const got = roundTrip(batch);
    expect(got.strings.values).toEqual(batch.strings.values);
    expect(got.textValue('vpc-id', 0)).toBe('vpc-é1');
    expect(got.strings.get(got.interfaceId[1] as number)).toBe('eni-ü');
    expect(Array.from(got.strings.ipv4Values())).toEqual(Array.from(batch.strings.ipv4Values()));
  });

  it('refuses a message whose strings do not match their count', () => {
    const bytes = new TextEncoder().encode('a\u0000b');
    expect(() => new ReceivedStringTable(bytes, 4, new Float64Array(4).fill(-1)).get(1)).toThrow('2 string values for 3');
    expect(() => new ReceivedStringTable(bytes, 3, new Float64Array(2))).toThrow('2 IPv4 values for 3 strings');
    expect(() => new ReceivedStringTable(bytes, 3, new Float64Array(3)).intern('c')).toThrow('read-only');
  });
});
