/**
 * Same-process A/B of two versions of the text parser: A is the parser of
 * another checkout (`--base DIR`, e.g. a `git worktree add --detach DIR HEAD`
 * with a node_modules symlink), B the one of this tree. Both are loaded into
 * one process as separate module instances (separate generated line parsers,
 * separate inline caches) and run alternately on the same in-memory input:
 * A B, B A, ... so a noisy neighbour hits both alike. Separate processes on
 * this shared 2-core machine varied by ±30% run to run; pairs in one process
 * are the tighter comparison. Prints medians, bests and the per-pair ratios.
 *
 *   scripts/run-ts.sh bench/parser/ab.bench.ts FILE --base DIR [--rounds 8] [--encode]
 *
 * `--encode` also encodes every batch (the ingest path); otherwise parse only.
 * `--batch A,B` gives each side its own batch size (rows per FlowBatch; with
 * `--base .` this compares batch sizes of one parser).
 * Both versions share @flowguard/contracts of this tree (through the path aliases).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeFlowBatch } from '@flowguard/contracts';
import type { FlowLogParser, ParseResult } from '@flowguard/flowlog';

type ParserModule = { FlowLogParser: typeof FlowLogParser };

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const PARSER = 'libs/flowlog/src/parser/flow-log.parser.ts';
const file = process.argv[2];
const base = arg('base');
if (!file || file.startsWith('--') || !base) throw new Error('usage: ab.bench.ts FILE --base DIR [--rounds 8] [--encode]');
const A = require(resolve(base, PARSER)) as ParserModule;
const B = require(join(__dirname, '..', '..', PARSER)) as ParserModule;
const buf = readFileSync(file);
const rounds = Number(arg('rounds') ?? 8);
const encode = process.argv.includes('--encode');
const [batchA, batchB] = (arg('batch') ?? ',').split(',').map((x) => (x ? Number(x) : undefined));
let wireA = 0;
let wireB = 0;

/** CPU ms per million records of one pass over the input. */
function run(m: ParserModule, batchSize: number | undefined, side: 'A' | 'B'): number {
  const c0 = process.cpuUsage();
  const parser = new m.FlowLogParser(batchSize === undefined ? {} : { batchSize });
  let records = 0;
  let wire = 0;
  const take = (r: ParseResult) => {
    records += r.batch.length;
    if (encode) wire += encodeFlowBatch(r.batch).length;
  };
  for (let o = 0; o < buf.length; o += 1 << 20) for (const r of parser.push(buf.subarray(o, Math.min(buf.length, o + (1 << 20))))) take(r);
  take(parser.end());
  const cpu = process.cpuUsage(c0);
  if (side === 'A') wireA = wire;
  else wireB = wire;
  return ((cpu.user + cpu.system) / 1000) * (1e6 / records);
}

const a: number[] = [];
const b: number[] = [];
run(A, batchA, 'A'); // warm-up of both (JIT)
run(B, batchB, 'B');
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) {
    a.push(run(A, batchA, 'A'));
    b.push(run(B, batchB, 'B'));
  } else {
    b.push(run(B, batchB, 'B'));
    a.push(run(A, batchA, 'A'));
  }
}
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)] as number;
const best = (x: number[]) => Math.min(...x);
process.stdout.write(
  `${file}${encode ? ' (parse + encode)' : ' (parse)'}, CPU ms per 1M records\n` +
    (batchA !== undefined || batchB !== undefined ? `batch size A ${batchA ?? 'default'}, B ${batchB ?? 'default'}\n` : '') +
    (encode ? `wire bytes A ${wireA.toLocaleString()}, B ${wireB.toLocaleString()}\n` : '') +
    `A (${base}): median ${median(a).toFixed(0)}, best ${best(a).toFixed(0)}\n` +
    `B (this tree): median ${median(b).toFixed(0)}, best ${best(b).toFixed(0)}\n` +
    `B/A throughput: ${(median(a) / median(b)).toFixed(3)} on medians, ${(best(a) / best(b)).toFixed(3)} on bests\n` +
    `per pair (A time / B time): ${a.map((x, i) => (x / (b[i] as number)).toFixed(2)).join(' ')}\n`,
);
