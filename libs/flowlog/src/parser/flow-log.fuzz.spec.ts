/**
 * Property-based tests: whatever the input, the parser never throws, every
 * line is accounted for, and no valid record is lost or altered.
 */
import fc from 'fast-check';
import { FIELD_SPECS } from '../fields/field-registry';
import { DEFAULT_FORMAT, compileFormat } from '../format/flow-log-format';
import { errorSum, lineArb, parseChunked } from '../testing/flow-log-lines.fixtures';
import { FlowLogParser, parseFlowLogText } from './flow-log.parser';

const KNOWN = FIELD_SPECS.map((f) => f.name);
const V2 = compileFormat(DEFAULT_FORMAT).names;

/** A custom format: 1..30 distinct fields, known ones and a few unknown (future) names. */
const formatArb = fc
  .uniqueArray(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KNOWN) }, { weight: 1, arbitrary: fc.constantFrom('x-future-a', 'zz-b', 'flow-extra') }), {
    minLength: 1,
    maxLength: 30,
  })
  .filter((names) => names.some((n) => KNOWN.includes(n))); // a header needs one known name to be recognised

/** Lines that can never be valid for `names`, whatever the format. */
function garbageArb(names: readonly string[]): fc.Arbitrary<string> {
  const n = names.length;
  return fc.oneof(
    // one field too many / too few
    lineArb(names).map((l) => `${l} extra`),
    n > 1 ? lineArb(names).map((l) => l.split(' ').slice(0, -1).join(' ')) : fc.constant(''),
    // a value that breaks a typed field, or an empty value
    fc.constant(''),
    fc.constant('  '),
    lineArb(names).map((l) => `${l.split(' ').map((v, i) => (i === 0 ? '' : v)).join(' ')}`),
  );
}

const cutsArb = fc.array(fc.nat({ max: 20_000 }), { maxLength: 12 });

describe('parser properties', () => {
  it('returns exactly the valid records, unchanged, with garbage lines in between and any chunking', () => {
    fc.assert(
      fc.property(
        formatArb.chain((names) =>
          fc.record({
            names: fc.constant(names),
            items: fc.array(fc.oneof({ weight: 3, arbitrary: lineArb(names).map((l) => ({ ok: true, l })) }, { weight: 1, arbitrary: garbageArb(names).map((l) => ({ ok: false, l })) }), {
              maxLength: 60,
            }),
            header: fc.boolean(),
            crlf: fc.boolean(),
            cuts: cutsArb,
            batchSize: fc.integer({ min: 1, max: 50 }),
          }),
        ),
        ({ names, items, header, crlf, cuts, batchSize }) => {
          const format = names.map((n) => '${' + n + '}').join(' ');
          const nl = crlf ? '\r\n' : '\n';
          const body = items.map((i) => i.l);
          const all = header ? [names.join(' '), ...body] : body;
          const text = all.length ? all.join(nl) + nl : '';
          const r = parseChunked(text, cuts, header ? { batchSize } : { batchSize, format }, names);
          const valid = items.filter((i) => i.ok).map((i) => i.l);
          expect(r.lines).toEqual(valid);
          expect(errorSum(r.counts)).toBe(items.length - valid.length);
          expect(r.counts.lines).toBe(items.length + (header ? 1 : 0));
          expect(r.counts.headers).toBe(header ? 1 : 0);
          expect(r.errors.map((e) => e.line)).toEqual(
            items.flatMap((it, idx) => (it.ok ? [] : [idx + 1 + (header ? 1 : 0)])),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never throws on arbitrary bytes, and accounts for every line', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), cutsArb, fc.integer({ min: 1, max: 64 }), (bytes, cuts, batchSize) => {
        const buf = Buffer.from(bytes);
        const r = parseChunked(buf, cuts, { batchSize, maxLineBytes: 512 }, V2);
        expect(r.counts.lines).toBe(r.counts.records + r.counts.headers + errorSum(r.counts));
        const newlines = bytes.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
        const lastOpen = bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? 1 : 0;
        expect(r.counts.lines).toBe(newlines + lastOpen);
        const whole = parseFlowLogText(buf, { maxLineBytes: 512 });
        expect(whole.counts).toEqual(r.counts);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on near-valid lines: mutated, truncated, huge numbers, wrong field counts', () => {
    const mutate = fc.tuple(lineArb(V2), fc.nat(), fc.constantFrom('', '-', '99999999999999999999', '-1', '1.5', 'x', ' ', '  ', '::', '1.2.3.4.5', 'NODATA', '\t', '\u00e9', '\r'));
    fc.assert(
      fc.property(fc.array(mutate, { minLength: 1, maxLength: 30 }), cutsArb, (muts, cuts) => {
        const lines = muts.map(([line, at, ins]) => {
          const p = at % (line.length + 1);
          return at % 3 === 0 ? line.slice(0, p) : line.slice(0, p) + ins + line.slice(p);
        });
        const text = lines.join('\n');
        const r = parseChunked(text, cuts, {}, V2);
        // a final empty line has no newline after it, so it is not a line
        expect(r.counts.lines).toBe(lines.length - (lines[lines.length - 1] === '' ? 1 : 0));
        expect(r.counts.lines).toBe(r.counts.records + r.counts.headers + errorSum(r.counts));
        for (const e of r.errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lines.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reports a header that disagrees with the configured format, and parses with the header', () => {
    fc.assert(
      fc.property(formatArb, formatArb, fc.array(fc.nat(), { maxLength: 5 }), (headerNames, configured, cuts) => {
        fc.pre(headerNames.join(' ') !== configured.join(' '));
        const parser = new FlowLogParser({ format: configured.map((n) => '${' + n + '}').join(' ') });
        const text = `${headerNames.join(' ')}\n`;
        const results = [...parser.push(text.slice(0, cuts[0] ?? text.length)), ...parser.push(text.slice(cuts[0] ?? text.length)), parser.end()];
        const errors = results.flatMap((x) => x.errors);
        expect(errors).toHaveLength(1);
        expect(errors[0]?.reason).toBe('header_mismatch');
      }),
      { numRuns: 100 },
    );
  });
});
