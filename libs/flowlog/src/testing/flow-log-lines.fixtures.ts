/**
 * Test helpers: fast-check arbitraries for valid flow-log values per field,
 * and a driver that feeds text to the streaming parser in arbitrary chunks.
 * Used by specs only (fast-check is a dev dependency).
 */
import fc from 'fast-check';
import { FieldKind, FieldSpec, fieldSpec } from '../fields/field-registry';
import { compileFields } from '../format/flow-log-format';
import { formatFlowLogRow } from '../format/flow-log.writer';
import { ParseCounts, ParseError, addCounts, emptyCounts } from '../parse-result';
import { FlowLogParser, ParseOptions } from '../parser/flow-log.parser';

/** Text tokens: printable, no whitespace, never the absent marker alone. */
export const textToken = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter((s) => s !== '-' && !/[\s\u0085\u2028\u2029]/u.test(s));

const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('-'));

/** A valid text value for one field, as AWS would write it. */
export function valueArb(spec: FieldSpec): fc.Arbitrary<string> {
  const maybe = (a: fc.Arbitrary<string>) => fc.oneof({ weight: 9, arbitrary: a }, { weight: 1, arbitrary: fc.constant('-') });
  switch (spec.kind) {
    case FieldKind.INT:
    case FieldKind.TEXT_INT: {
      // 0 reads back as absent for version/start/end (Uint32/Uint8 columns have no other marker)
      const min = spec.column === 'version' || spec.column === 'start' || spec.column === 'end' ? 1 : (spec.min ?? 0);
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      return maybe(fc.integer({ min, max: Math.min(max, 2 ** 31 - 1) }).chain((small) =>
        max > 2 ** 31 ? fc.oneof(fc.constant(small), fc.double({ min, max, noNaN: true }).map(Math.floor)) : fc.constant(small),
      ).map(String));
    }
    case FieldKind.ACTION:
      return fc.constantFrom('ACCEPT', 'REJECT', '-');
    case FieldKind.LOG_STATUS:
      return fc.constantFrom('OK', 'NODATA', 'SKIPDATA', '-');
    case FieldKind.DIRECTION:
      return fc.constantFrom('ingress', 'egress', '-');
    case FieldKind.CORE_ADDR:
    case FieldKind.TEXT_ADDR:
      return address;
    default:
      return maybe(textToken);
  }
}

/** A valid line for the given field names. */
export function lineArb(names: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(...names.map((n) => valueArb(fieldSpec(n)))).map((vals) => vals.join(' '));
}

export interface Collected {
  /** every parsed row written back as text in the format it was parsed with */
  lines: string[];
  errors: ParseError[];
  counts: ParseCounts;
  batches: number;
}

/**
 * Feed `input` to a FlowLogParser split at `cuts` (byte offsets, any order),
 * and collect every row back as text in `names` order.
 */
export function parseChunked(input: string | Buffer, cuts: number[], options: ParseOptions, names: readonly string[]): Collected {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(buf.length, c))))].sort((a, b) => a - b);
  const parser = new FlowLogParser(options);
  const format = compileFields(names, 'format');
  const out: Collected = { lines: [], errors: [], counts: emptyCounts(), batches: 0 };
  const take = (r: ReturnType<FlowLogParser['end']>) => {
    out.batches++;
    for (let i = 0; i < r.batch.length; i++) out.lines.push(formatFlowLogRow(r.batch, i, format));
    out.errors.push(...r.errors);
    addCounts(out.counts, r.counts);
  };
  let prev = 0;
  for (const p of [...points, buf.length]) {
    if (p > prev) for (const r of parser.push(buf.subarray(prev, p))) take(r);
    prev = p;
  }
  take(parser.end());
  return out;
}

export function errorSum(c: ParseCounts): number {
  return Object.values(c.errors).reduce((a, b) => a + b, 0);
}
