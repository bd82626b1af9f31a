import { DEFAULT_FORMAT, compileFormat } from '../format/flow-log-format';
import { errorSum, parseChunked } from '../testing/flow-log-lines.fixtures';
import { FlowLogParser, parseFlowLogText } from './flow-log.parser';

const V2 = compileFormat(DEFAULT_FORMAT).names;
const HEADER = V2.join(' ');
const rows = Array.from({ length: 40 }, (_, i) =>
  `2 12345678901${i % 3} eni-${(1000 + i).toString(16)} 10.0.${i}.1 2001:db8::${i.toString(16)} ${1024 + i} 443 6 ${i + 1} ${(i + 1) * 60} 1700000000 1700000060 ${i % 5 ? 'ACCEPT' : 'REJECT'} OK`,
);
const text = [HEADER, ...rows.slice(0, 20), 'this is not a flow', '', ...rows.slice(20)].join('\n') + '\n';

describe('FlowLogParser (streaming)', () => {
  it('gives the same rows, errors and counts for every single split point', () => {
    const whole = parseChunked(text, [], {}, V2);
    expect(whole.lines).toEqual(rows);
    expect(whole.errors.map((e) => [e.line, e.reason])).toEqual([[22, 'field_count'], [23, 'empty_line']]);
    // every byte offset of a short input: header, rows, a bad line, a blank line, CRLF
    const short = [HEADER, rows[0], 'not a flow', '', rows[1] + '\r', rows[2]].join('\n');
    const expected = parseChunked(short, [], {}, V2);
    expect(expected.lines).toEqual(rows.slice(0, 3));
    for (let cut = 1; cut < Buffer.byteLength(short); cut++) {
      const split = parseChunked(short, [cut, cut + 1, cut + 40], { batchSize: 2 }, V2);
      expect(split.lines).toEqual(expected.lines);
      expect(split.errors).toEqual(expected.errors);
      expect(split.counts).toEqual(expected.counts);
    }
  });

  it('survives one-byte chunks, including inside multi-byte UTF-8 characters', () => {
    const utf = 'srcaddr instance-tag\n10.0.0.1 équipe=環境\n10.0.0.2 ok\n';
    const bytes = Buffer.from(utf, 'utf8');
    const r = parseChunked(bytes, Array.from({ length: bytes.length }, (_, i) => i), {}, ['srcaddr', 'instance-tag']);
    expect(r.lines).toEqual(['10.0.0.1 équipe=環境', '10.0.0.2 ok']);
  });

  it('emits full batches of batchSize from push() and the remainder from end()', () => {
    const parser = new FlowLogParser({ batchSize: 16, source: 'f.log' });
    const full = parser.push(text);
    expect(full.map((r) => r.batch.length)).toEqual([16, 16]);
    expect(full.every((r) => r.source === 'f.log')).toBe(true);
    const last = parser.end();
    expect(last.batch.length).toBe(8);
    const total = [...full, last].reduce((n, r) => n + r.counts.records, 0);
    expect(total).toBe(40);
    // errors travel with the batch in which their line was read
    expect([...full, last].flatMap((r) => r.errors).map((e) => e.line)).toEqual([22, 23]);
  });

  it('returns exactly one remainder even when the final line fills the batch', () => {
    const parser = new FlowLogParser({ batchSize: 2 });
    const out = parser.push(`${rows[0]}\n${rows[1]}`); // second line has no newline yet
    expect(out.map((r) => r.batch.length)).toEqual([]);
    const last = parser.end();
    expect(last.batch.length).toBe(2);
    expect(() => parser.end()).toThrow(/twice/);
    expect(() => parser.push('x')).toThrow(/after end/);
  });

  it('drops the unfinished line instead of parsing it when the input was cut off', () => {
    const parser = new FlowLogParser({ format: '${srcaddr} ${vpc-id}' });
    expect(parser.push('10.0.0.1 vpc-0123456789\n10.0.0.2 vpc-01')).toEqual([]);
    const last = parser.end({ truncated: true });
    expect(last.batch.length).toBe(1);
    expect(last.errors).toMatchObject([{ line: 2, reason: 'io_error', raw: '10.0.0.2 vpc-01' }]);
    expect(last.counts.lines).toBe(2);
  });

  it('drops an over-long line without buffering it, and resumes at the next line', () => {
    const parser = new FlowLogParser({ maxLineBytes: 256 });
    const results = [parser.push(`${rows[0]}\n2 123 eni-`), parser.push('x'.repeat(10_000)), parser.push('y'.repeat(10_000)), parser.push(`\n${rows[1]}\n`)];
    const last = parser.end();
    const all = [...results.flat(), last];
    const errors = all.flatMap((r) => r.errors);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 2, reason: 'line_too_long' });
    expect(errors[0]?.raw.length).toBeLessThanOrEqual(512);
    expect(all.reduce((n, r) => n + r.batch.length, 0)).toBe(2);
    expect(all.reduce((n, r) => n + r.counts.lines, 0)).toBe(3);
  });

  it('bounds memory on all-garbage input by flushing error-only results', () => {
    const parser = new FlowLogParser({ batchSize: 10 });
    const results = parser.push('garbage\n'.repeat(35));
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.every((r) => r.errors.length <= 10)).toBe(true);
    const last = parser.end();
    const counts = [...results, last].reduce((n, r) => n + errorSum(r.counts), 0);
    expect(counts).toBe(35);
  });

  it('matches parseFlowLogText on the same input', () => {
    const a = parseFlowLogText(text);
    const b = parseChunked(text, [7, 100, 101, 2000], { batchSize: 7 }, V2);
    expect(b.counts).toEqual(a.counts);
    expect(b.lines.length).toBe(a.batch.length);
  });
});
