/**
 * `flowguard analyze` throughput against a DuckDB SQL baseline, on the same
 * simulated flow logs, in one run:
 *
 * - the simulator alone (generate + encode text, output discarded), v2 and v5;
 * - flowguard: the real CLI as `npm run flowguard` runs it (the compiled build in
 *   dist/flowguard-cli, built first), `flowguard analyze` in a child process (stream-parse every
 *   file, the service's ingest stages, every detector, format findings) with --threads 1 and
 *   --threads 2 → records/s over the wall time of the whole process, start-up included
 *   (the CLI's own figure, after start-up, is in the notes); plus a parse-only pass.
 * - DuckDB (@duckdb/node-api): load the same text files with read_csv, then the
 *   three aggregates a SQL analyst would write for scans, sweeps and floods over
 *   60 s windows; with threads=1 (fair against one Node thread) and threads=2.
 *
 * Each phase runs in its own child process so peak RSS is per phase.
 *
 *   scripts/run-ts.sh bench/analyze/analyze.bench.ts [--records 10000000] [--seed 1]
 *
 * Data is generated once into bench/out/analyze/<records>-<seed>/ (git-ignored) and reused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, machineLine, mib, printTable } from '../common/bench-report';

const ROOT = join(__dirname, '..', '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : dflt;
};

interface PhaseResult {
  phase: string;
  records: number;
  seconds: number;
  /** extra timings, seconds */
  parts?: Record<string, number>;
  note?: string;
  /** null when GNU time is not available to measure a child CLI */
  maxRssBytes: number | null;
}

function runPhase(phase: string, dataDir: string, extra: string[] = []): PhaseResult {
  const r = spawnSync(join(ROOT, 'scripts/run-ts.sh'), [join(__dirname, 'analyze-phases.ts'), phase, dataDir, ...extra], {
    encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' },
  });
  if (r.status !== 0) throw new Error(`phase ${phase} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const last = r.stdout.trim().split('\n').pop() as string;
  return JSON.parse(last) as PhaseResult;
}

function main(): void {
  const records = Number(arg('records', '10000000'));
  const seed = arg('seed', '1');
  const dataDir = join(ROOT, 'bench', 'out', 'analyze', `${records}-${seed}`);
  console.log(`analyze benchmark: ${fmt(records)} simulated records (seed ${seed}), ${machineLine()}`);
  const manifest = join(dataDir, 'manifest.json');
  let gen: PhaseResult | undefined;
  if (!existsSync(manifest) || (JSON.parse(readFileSync(manifest, 'utf8')) as { records: number }).records !== records) {
    rmSync(dataDir, { recursive: true, force: true });
    gen = runPhase('generate', dataDir, [String(records), seed]);
  } else console.log(`reusing ${dataDir}`);

  const memV2 = runPhase('generate-null', '-', [String(records), 'v2']);
  const memV5 = runPhase('generate-null', '-', [String(records), 'v5']);
  const build = runPhase('build', '-');
  const fg1 = runPhase('flowguard', dataDir, ['1']);
  const fg2 = runPhase('flowguard', dataDir, ['2']);
  const parseOnly = runPhase('parse-only', dataDir);
  const duck1 = runPhase('duckdb', dataDir, ['1']);
  const duck2 = runPhase('duckdb', dataDir, ['2']);

  const rows: Array<Array<string | number>> = [];
  const rss = (b: number | null) => (b === null ? 'n/a' : mib(b));
  for (const p of [...(gen ? [gen] : []), memV2, memV5, build, fg1, fg2, parseOnly, duck1, duck2]) {
    const parts = p.parts ? Object.entries(p.parts).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ') : '';
    rows.push([p.phase, fmt(p.records), p.seconds.toFixed(2), p.records ? fmt(p.records / p.seconds) : '', rss(p.maxRssBytes), [parts, p.note ?? ''].filter(Boolean).join('; ')]);
  }
  printTable('results (records/s = records / wall seconds of the phase; RSS = peak of the phase process)',
    ['phase', 'records', 'seconds', 'records/s', 'peak RSS MiB', 'notes'], rows);
  console.log('');
  for (const fg of [fg1, fg2]) {
    const threads = fg === fg1 ? 1 : 2;
    console.log(`flowguard analyze --threads ${threads} (${fg.seconds.toFixed(2)} s, ${fmt(fg.records / fg.seconds)} records/s): ` +
      `${(duck1.seconds / fg.seconds).toFixed(2)}x DuckDB threads=1 (${duck1.seconds.toFixed(2)} s), ` +
      `${(duck2.seconds / fg.seconds).toFixed(2)}x DuckDB threads=2 (${duck2.seconds.toFixed(2)} s)  [> 1 = flowguard faster]`);
  }
  if (fg1.note !== fg2.note) console.log(`WARNING: --threads 1 and 2 reported different findings: ${fg1.note} vs ${fg2.note}`);
  const best = Math.max(fg1.records / fg1.seconds, fg2.records / fg2.seconds);
  console.log(`target >= 500,000 records/s: ${best >= 500_000 ? 'met' : 'NOT met'} (best ${fmt(best)} records/s, process wall time incl. start-up)`);
}

main();
