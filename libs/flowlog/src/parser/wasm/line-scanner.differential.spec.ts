/**
 * The WebAssembly fast path against the TypeScript line parser: on any input
 * the two tiers together must produce exactly what the TypeScript parser
 * produces alone (same rows, same string ids and values, same errors and
 * counts, batch by batch).
 */
import fc from 'fast-check';
import type { FlowBatch } from '@flowguard/contracts';
import { FIELD_SPECS } from '../../fields/field-registry';
import { DEFAULT_FORMAT, compileFormat } from '../../format/flow-log-format';
import type { ParseResult } from '../../parse-result';
import { lineArb } from '../../testing/flow-log-lines.fixtures';
import { TextParserCore } from '../flow-log-text.parser';

const KNOWN = FIELD_SPECS.map((f) => f.name);
const V2 = compileFormat(DEFAULT_FORMAT).names;
const NUMERIC = ['version', 'srcPort', 'dstPort', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'logStatus', 'tcpFlags', 'direction', 'trafficPath'] as const;

function run(text: Buffer, fastPath: boolean, batchSize: number, chunk: number, format?: string): ParseResult[] {
  const core = new TextParserCore({ streaming: true, fastPath, batchSize, maxLineBytes: 300, ...(format ? { format } : {}) });
  const out: ParseResult[] = [];
  // feed whole lines in chunks of about `chunk` bytes (the core's contract: ranges end with \n)
  let p = 0;
  while (p < text.length) {
    let q = text.indexOf(10, Math.min(text.length - 1, p + chunk));
    q = q < 0 ? text.length : q + 1;
    core.feed(text, p, q);
    out.push(...core.drain());
    p = q;
  }
  out.push(...core.finish());
  return out;
}

function view(b: FlowBatch): unknown {
  const cols: Record<string, number[]> = {};
  for (const c of NUMERIC) cols[c] = Array.from(b[c].subarray(0, b.length));
  for (const c of ['srcAddr', 'dstAddr', 'accountId', 'interfaceId'] as const) cols[c] = Array.from(b[c].subarray(0, b.length));
  for (const [name, col] of b.text) cols[`text:${name}`] = Array.from(col.subarray(0, b.length));
  return { length: b.length, cols, strings: b.strings.values.slice(), v4: Array.from(b.strings.ipv4Values()) };
}

function same(text: Buffer, batchSize: number, chunk: number, format?: string): void {
  const a = run(text, true, batchSize, chunk, format);
  const b = run(text, false, batchSize, chunk, format);
  expect(a.map((r) => view(r.batch))).toEqual(b.map((r) => view(r.batch)));
  expect(a.map((r) => r.errors)).toEqual(b.map((r) => r.errors));
  expect(a.map((r) => r.counts)).toEqual(b.map((r) => r.counts));
}

const formatArb = fc.uniqueArray(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...KNOWN) }, { weight: 1, arbitrary: fc.constantFrom('x-future-a', 'zz-b') }), {
  minLength: 1,
  maxLength: 30,
});

/** Valid lines, lines with one token replaced by something awkward, and raw junk. */
function linesArb(names: readonly string[]): fc.Arbitrary<string[]> {
  const awkward = fc.constantFrom('', '-', '--', '99999999999999999999', '9007199254740993', '-1', '1.5', '1e3', 'x', '\t', '\u00e9t\u00e9', '\u0000', '\xff',
    '::', '::ffff:1.2.3.4', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '255.255.255.255', '256.0.0.1', 'fe80::1%eth0', 'NODATA', 'SKIPDATA', 'OK', 'ACCEPT', 'egress',
    'ingress', 'REJECTED', '4294967296', '65536', '10.0.0.1', 'eni-0a1b2c3d');
  const mutated = fc.tuple(lineArb(names), fc.nat(), awkward).map(([line, at, tok]) => {
    const parts = line.split(' ');
    parts[at % parts.length] = tok;
    return parts.join(' ');
  });
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: lineArb(names) },
      { weight: 3, arbitrary: mutated },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', 'version srcaddr', `${names.join(' ')}`, 'x'.repeat(400)) },
    ),
    { maxLength: 80 },
  );
}

describe('WebAssembly fast path vs TypeScript line parser', () => {
  it('gives identical batches, string tables, errors and counts for any mix of formats and lines', () => {
    fc.assert(
      fc.property(
        formatArb.chain((names) => fc.record({ names: fc.constant(names), lines: linesArb(names), header: fc.boolean(), crlf: fc.boolean() })),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3000 }),
        ({ names, lines, header, crlf }, batchSize, chunk) => {
          const nl = crlf ? '\r\n' : '\n';
          const all = header ? [names.join(' '), ...lines] : lines;
          const text = Buffer.from(all.length ? all.join(nl) + nl : '', 'utf8');
          same(text, batchSize, chunk, header ? undefined : names.map((n) => '${' + n + '}').join(' '));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('agrees on repetitive v2 traffic (memo and table hits), across batch and chunk sizes', () => {
    fc.assert(
      fc.property(fc.array(lineArb(V2), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { minLength: 50, maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (pool, picks, batchSize) => {
        const text = Buffer.from(picks.map((i) => pool[i % pool.length]).join('\n') + '\n');
        same(text, batchSize, 512);
      }),
      { numRuns: 100 },
    );
  });

  it('agrees on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 16 }), (bytes, batchSize) => {
        const text = Buffer.concat([Buffer.from(bytes), Buffer.from([10])]);
        same(text, batchSize, 256);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees when one fed range is larger than what the module takes per call (sliced at newlines)', () => {
    const lines = fc.sample(lineArb(V2), { numRuns: 500, seed: 7 });
    const text = Buffer.from(Array.from({ length: 90_000 }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
    expect(text.length).toBeGreaterThan(9 << 20);
    same(text, 1 << 20, text.length);
    expect(run(text, true, 1 << 20, text.length).reduce((n, r) => n + r.counts.records, 0)).toBe(90_000);
  });

  it('takes the same lines a concatenation of files with different headers gives', () => {
    const v5 = 'version vpc-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction';
    const text = Buffer.from(
      `${V2.join(' ')}\n2 123456789012 eni-1 10.0.0.1 10.0.0.2 443 5000 6 10 840 1700000000 1700000060 ACCEPT OK\n` +
        `${v5}\n5 vpc-9 2001:db8::1 10.0.0.2 443 5000 6 10 840 1700000000 1700000060 REJECT OK egress\n` +
        `5 vpc-9 10.0.0.3 10.0.0.2 443 5000 6 10 840 1700000000 1700000060 ACCEPT NODATA ingress\n`,
    );
    same(text, 8, 64);
    expect(run(text, true, 8, 64).reduce((n, r) => n + r.counts.records, 0)).toBe(3);
  });
});
