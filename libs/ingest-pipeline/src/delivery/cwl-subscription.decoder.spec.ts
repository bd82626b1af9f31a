import { gzipSync } from 'node:zlib';
import { cwlPayload } from '../testing/cwl.fixtures';
import { decodeCwlSubscription, decodeDeliveryRecord } from './cwl-subscription.decoder';

const LINE1 = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1700000000 1700000060 ACCEPT OK';
const LINE2 = '2 123456789012 eni-1 10.0.0.2 10.0.0.1 49152 443 6 8 4000 1700000000 1700000060 ACCEPT OK';

describe('CloudWatch Logs subscription payloads', () => {
  it('extracts one line per log event of a DATA_MESSAGE', () => {
    const d = decodeCwlSubscription(cwlPayload([LINE1, LINE2]));
    expect(d).toEqual({ kind: 'lines', lines: [LINE1, LINE2], cwl: { owner: '123456789012', logGroup: 'vpc-flow', logStream: 'eni-1-all' } });
  });

  it('recognises CONTROL_MESSAGE probes so they are dropped', () => {
    expect(decodeCwlSubscription(cwlPayload([], 'CONTROL_MESSAGE'))).toEqual({ kind: 'control' });
  });

  it('reports bad gzip, bad JSON, unknown types and malformed events without throwing', () => {
    expect(decodeCwlSubscription(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toMatchObject({ kind: 'error', reason: 'gzip_error' });
    expect(decodeCwlSubscription(gzipSync('{nope'))).toMatchObject({ kind: 'error', reason: 'cwl_payload_error' });
    expect(decodeCwlSubscription(gzipSync('{"messageType":"OTHER"}'))).toMatchObject({ kind: 'error', message: expect.stringContaining('OTHER') });
    expect(decodeCwlSubscription(gzipSync('{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1"}]}'))).toMatchObject({ kind: 'error', reason: 'cwl_payload_error' });
    expect(decodeCwlSubscription(gzipSync('[1]'))).toMatchObject({ kind: 'error', reason: 'cwl_payload_error' });
  });

  it('refuses a gzip bomb beyond the inflate limit', () => {
    const bomb = gzipSync(Buffer.alloc(2_000_000, 0x20));
    expect(decodeCwlSubscription(bomb, 1_000_000)).toMatchObject({ kind: 'error', reason: 'gzip_error' });
  });
});

describe('decodeDeliveryRecord', () => {
  it('treats non-gzip text as flow-log lines (CRLF, blank lines, several per record)', () => {
    expect(decodeDeliveryRecord(Buffer.from(`${LINE1}\r\n\n${LINE2}\n`))).toEqual({ kind: 'lines', lines: [LINE1, LINE2] });
  });

  it('accepts the decompressed subscription JSON that Firehose Decompression emits', () => {
    const json = JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', timestamp: 1, message: LINE1 }] });
    expect(decodeDeliveryRecord(Buffer.from(json))).toMatchObject({ kind: 'lines', lines: [LINE1] });
  });

  it('rejects bytes that are neither gzip nor UTF-8', () => {
    expect(decodeDeliveryRecord(Buffer.from([0xff, 0xfe, 0x00, 0xc3]))).toMatchObject({ kind: 'error', reason: 'decode_error' });
  });
});
