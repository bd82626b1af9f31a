/**
 * Parser-only microbenchmark for A/B work on @flowguard/flowlog: the input is
 * read into memory first, then pushed through FlowLogParser in 1 MiB slices
 * `--runs` times in one warm process; prints the best and median CPU time per
 * million records. Parse only: the batches' string tables stay lazy (no JS
 * string is created, nothing is encoded). No baseline here: use parser.bench.ts for the DuckDB
 * comparison. Compare variants by alternating them, on the same core.
 *
 *   scripts/run-ts.sh bench/parser/in-memory.bench.ts FILE [--runs 7]
 *   scripts/run-ts.sh bench/parser/in-memory.bench.ts --datasets [--copies 8]   (../shared/datasets/*.vpc.log, concatenated)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FlowLogParser } from '@flowguard/flowlog';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

function input(): { label: string; buf: Buffer } {
  if (process.argv.includes('--datasets')) {
    const dir = join(__dirname, '..', '..', '..', 'shared', 'datasets');
    if (!existsSync(dir)) throw new Error(`no datasets folder at ${dir}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.vpc.log')).map((f) => readFileSync(join(dir, f)));
    const copies = arg('copies', 8);
    return { label: `shared datasets x${copies}`, buf: Buffer.concat(Array.from({ length: copies }, () => files).flat()) };
  }
  const file = process.argv[2];
  if (!file || file.startsWith('--')) throw new Error('usage: in-memory.bench.ts FILE | --datasets');
  return { label: file, buf: readFileSync(file) };
}

function main(): void {
  const { label, buf } = input();
  const runs = arg('runs', 7);
  const perMillion: number[] = [];
  let records = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const parser = new FlowLogParser({});
    records = 0;
    for (let o = 0; o < buf.length; o += 1 << 20) for (const res of parser.push(buf.subarray(o, Math.min(buf.length, o + (1 << 20))))) records += res.batch.length;
    records += parser.end().batch.length;
    const cpu = process.cpuUsage(c0);
    perMillion.push(((cpu.user + cpu.system) / 1000) * (1e6 / records));
  }
  perMillion.sort((a, b) => a - b);
  const best = perMillion[0] as number;
  const median = perMillion[Math.floor(runs / 2)] as number;
  process.stdout.write(
    `${label}: ${records.toLocaleString()} records, ${(buf.length / 1e6).toFixed(0)} MB; CPU per 1M records: best ${best.toFixed(0)} ms, median ${median.toFixed(0)} ms ` +
      `(${(1000 / best).toFixed(2)} / ${(1000 / median).toFixed(2)} M records/s)\n`,
  );
}

main();
