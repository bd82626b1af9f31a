import { decodeFlowBatch, encodeFlowBatch, recordAt, StringTable } from '@flowguard/contracts';
import { DEFAULT_FORMAT } from '../format/flow-log-format';
import { FlowLogParser, parseFlowLogText } from './flow-log.parser';

const FORMAT = DEFAULT_FORMAT + ' ${vpc-id} ${pkt-srcaddr}';
const row = (i: number, vpc: string, pkt = '-') =>
  `2 123456789012 eni-${i % 3} 10.0.${i % 7}.${i % 5} 2001:db8::${i % 4} 443 ${1000 + i} 6 1 40 1700000000 1700000060 ACCEPT OK ${vpc} ${pkt}`;
const TEXT = Array.from({ length: 40 }, (_, i) => row(i, i % 2 ? 'vpc-café' : `vpc-${i % 6}`, i % 3 ? '10.0.1.1' : '-')).join('\n');

/** What the base StringTable writes for the same values: the bytes the codec always sent. */
const baseJoined = (values: readonly string[]) => Buffer.from(new TextEncoder().encode(values.slice(1).join('\u0000')));

describe('the parsed batch string table (lazy strings)', () => {
  it('hands the codec the same bytes the strings would encode to, before any string exists', () => {
    const r = parseFlowLogText(TEXT, { format: FORMAT });
    expect(r.errors).toEqual([]);
    const size = r.batch.strings.size;
    const bytes = Buffer.from(r.batch.strings.joinedUtf8());
    const encoded = encodeFlowBatch(r.batch);
    // reading the values now creates the strings: same count, same bytes
    expect(r.batch.strings.values).toHaveLength(size);
    expect(bytes.equals(baseJoined(r.batch.strings.values))).toBe(true);
    expect(decodeFlowBatch(encoded).strings.values).toEqual(r.batch.strings.values);
  });

  it('keeps one id per distinct string, for get(), values and later intern() alike', () => {
    const r = parseFlowLogText(TEXT, { format: FORMAT });
    const s = r.batch.strings;
    // intern before any read: the table decodes first, so ids stay those the parser gave
    const known = s.intern('vpc-café');
    const vpc = r.batch.text.get('vpc-id') as Uint32Array;
    expect(known).toBe(vpc[1]);
    expect(s.get(vpc[1] as number)).toBe('vpc-café');
    expect(new Set(s.values).size).toBe(s.values.length);
    // the pkt-srcaddr IPv4 text and srcaddr share the id of one address string
    expect(s.intern('10.0.1.1')).toBe((r.batch.text.get('pkt-srcaddr') as Uint32Array)[1]);
    const added = s.intern('DE');
    expect(added).toBe(s.size - 1);
    expect(s.values[added]).toBe('DE');
    // values interned after parsing go to the wire too
    const decoded = decodeFlowBatch(encodeFlowBatch(r.batch));
    expect(decoded.strings.values).toEqual(s.values);
    expect(Array.from({ length: r.batch.length }, (_, i) => recordAt(decoded, i))).toEqual(Array.from({ length: r.batch.length }, (_, i) => recordAt(r.batch, i)));
  });

  it('gives every streamed batch its own values (the parser reuses its arena only after handing it over)', () => {
    const parser = new FlowLogParser({ format: FORMAT, batchSize: 7 });
    const results = [...parser.push(TEXT + '\n'), parser.end()];
    expect(results.length).toBeGreaterThan(5);
    const rows = results.flatMap((r) => Array.from({ length: r.batch.length }, (_, i) => recordAt(r.batch, i)));
    expect(rows).toEqual(Array.from({ length: 40 }, (_, i) => recordAt(parseFlowLogText(TEXT, { format: FORMAT }).batch, i)));
    for (const r of results) expect(Buffer.from(r.batch.strings.joinedUtf8()).equals(baseJoined(r.batch.strings.values))).toBe(true);
  });

  it('gives ipv4Values from the numbers the parser folded, equal to reading the strings, across streamed batches', () => {
    // IPv4 in address fields (fast path) and in a text field (vpc-id here), IPv6, text, absent, 0.0.0.0 and 255.255.255.255
    const lines = [
      row(1, '10.9.9.9', '0.0.0.0'), row(2, 'vpc-1', '255.255.255.255'), row(3, '2001:db8::1', '-'), row(4, 'vpc-010.0.0.1', '10.0.1.1'),
      ...Array.from({ length: 30 }, (_, i) => row(i, `vpc-${i % 4}`, i % 2 ? '-' : `192.168.${i}.1`)),
    ].join('\n');
    const parser = new FlowLogParser({ format: FORMAT, batchSize: 5 });
    const results = [...parser.push(lines + '\n'), parser.end()];
    for (const r of results) {
      expect(r.errors).toEqual([]);
      const fromParser = Array.from(r.batch.strings.ipv4Values());
      const fromText = Array.from(StringTable.from(r.batch.strings.values).ipv4Values());
      expect(fromParser).toEqual(fromText);
    }
    const first = results[0]?.batch.strings;
    expect(first?.ipv4Values()[first.intern('255.255.255.255')]).toBe(4294967295);
    expect(first?.ipv4Values()[first.intern('0.0.0.0')]).toBe(0);
    // values interned after parsing (enrichment) are read from their strings
    const later = first?.intern('172.16.0.9') as number;
    expect(first?.ipv4Values()[later]).toBe(0xac100009);
  });

  it('rejects a NUL byte inside a value (NUL separates values on the wire)', () => {
    const bad = Buffer.from(row(1, 'vpc-a\u0000b') + '\n' + row(2, 'vpc-ok') + '\n');
    const r = parseFlowLogText(bad, { format: FORMAT });
    expect(r.batch.length).toBe(1);
    expect(r.errors[0]).toMatchObject({ reason: 'bad_encoding', field: 'vpc-id', line: 1 });
  });
});
