/**
 * Flow-log parser throughput against DuckDB's CSV reader, same files, same run.
 *
 * Generates (once, into git-ignored bench/out/) a default-format v2 file and a
 * 30-field custom-format file, then for each file runs, in separate processes
 * pinned to one core (taskset -c 0 when available), rotating the order round
 * by round:
 *   - flowguard encode: fs reads (1 MiB, reused buffer) -> FlowLogParser ->
 *     FlowBatch -> encodeFlowBatch, the binary message ingest publishes. The
 *     batch's string table is lazy (JS strings are created when read) and the
 *     codec takes the value bytes from it, so no string per value is created;
 *   - flowguard materialize: the same, plus every string of every batch
 *     created (`strings.values`) before encoding;
 *   - duckdb: read_csv with SET threads = 1, explicit columns and types, header,
 *     aggregating every column so each one is really parsed.
 * Reports records/s and MB/s on CPU time (user + system; the fair measure on a
 * shared machine) and on wall time, the flowguard/duckdb ratios, and peak RSS.
 *
 *   scripts/run-ts.sh bench/parser/parser.bench.ts [--lines 5000000] [--custom-lines 5000000] [--rounds 3] [--runs 3] [--regen]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { FIELD_SPECS } from '@flowguard/flowlog';
import { CUSTOM30_FIELDS, V2_FIELDS, generateFlowLogFile } from './flow-log-generator';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const LINES = arg('lines', 5_000_000);
const CUSTOM_LINES = arg('custom-lines', 5_000_000);
const RUNS = arg('runs', 3);
const ROUNDS = arg('rounds', 3);
const REGEN = process.argv.includes('--regen');
const FG_MODES = ['encode', 'materialize'] as const;
/** node flags of the flowguard worker: the ones the ingest service and CLI start with (see docs/flowlog-parsing.md) */
const FG_NODE_FLAGS = (process.env['PARSER_BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);

interface Sample {
  wallMs: number;
  cpuMs: number;
}
interface WorkerResult {
  engine: string;
  bytes: number;
  records: number;
  errors: number;
  samples: Sample[];
  maxRssKb: number;
}

function ensureFile(name: string, lines: number, fields: string[]): string {
  const path = join(OUT, name);
  const meta = `${path}.meta.json`;
  const want = JSON.stringify({ lines, fields, seed: 42 });
  if (!REGEN && existsSync(path) && existsSync(meta) && readFileSync(meta, 'utf8') === want) return path;
  mkdirSync(OUT, { recursive: true });
  process.stdout.write(`generating ${name} (${lines.toLocaleString()} lines, ${fields.length} fields)... `);
  const t = Date.now();
  const { bytes } = generateFlowLogFile({ path, lines, fields, seed: 42 });
  writeFileSync(meta, want);
  process.stdout.write(`${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
  return path;
}

const pin = (() => {
  const r = spawnSync('taskset', ['-c', '0', 'true']);
  return r.status === 0 ? ['taskset', '-c', '0'] : [];
})();

function run(argv: string[]): WorkerResult {
  const [cmd, ...args] = [...pin, ...argv] as [string, ...string[]];
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.runtime.json') },
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as WorkerResult;
}

function duckType(field: string): string {
  const spec = FIELD_SPECS.find((f) => f.name === field);
  if (!spec || spec.parquetType === 'STRING') return 'VARCHAR';
  return spec.parquetType === 'INT_64' ? 'BIGINT' : 'INTEGER';
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function merge(runs: WorkerResult[]): WorkerResult {
  const first = runs[0] as WorkerResult;
  return { ...first, samples: runs.flatMap((r) => r.samples), maxRssKb: Math.max(...runs.map((r) => r.maxRssKb)) };
}

interface Row {
  file: string;
  engine: string;
  records: number;
  mb: number;
  cpuS: number;
  cpuMinS: number;
  wallS: number;
  rssMb: number;
}

function summarize(file: string, r: WorkerResult): Row {
  return {
    file,
    engine: r.engine,
    records: r.records,
    mb: r.bytes / 1e6,
    cpuS: median(r.samples.map((s) => s.cpuMs)) / 1000,
    cpuMinS: Math.min(...r.samples.map((s) => s.cpuMs)) / 1000,
    wallS: median(r.samples.map((s) => s.wallMs)) / 1000,
    rssMb: r.maxRssKb / 1024,
  };
}

function main(): void {
  const files: Array<[string, string, string[]]> = [
    ['v2 default (14 fields)', ensureFile(`flows-v2-${LINES}.log`, LINES, V2_FIELDS), V2_FIELDS],
    ['custom (30 fields)', ensureFile(`flows-custom30-${CUSTOM_LINES}.log`, CUSTOM_LINES, CUSTOM30_FIELDS), CUSTOM30_FIELDS],
  ];
  const rows: Row[] = [];
  for (const [label, path, fields] of files) {
    // Rotate the engines round by round, so drift in a shared machine's load hits all alike.
    const columns = JSON.stringify(fields.map((f) => [f, duckType(f)]));
    const engines: Array<{ name: string; argv: string[]; runs: WorkerResult[] }> = [
      ...FG_MODES.map((mode) => ({
        name: `flowguard ${mode}`,
        argv: [process.execPath, ...FG_NODE_FLAGS, '-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'bench/parser/parse.worker.ts', path, String(RUNS), mode],
        runs: [] as WorkerResult[],
      })),
      { name: 'duckdb', argv: [process.execPath, 'bench/parser/duckdb.worker.mjs', path, String(RUNS), columns], runs: [] },
    ];
    for (let i = 0; i < ROUNDS; i++) {
      process.stdout.write(`measuring ${label}: round ${i + 1}/${ROUNDS}\r`);
      for (let j = 0; j < engines.length; j++) {
        const e = engines[(i + j) % engines.length] as (typeof engines)[number];
        e.runs.push(run(e.argv));
      }
    }
    process.stdout.write('\n');
    const dk = merge((engines.at(-1) as (typeof engines)[number]).runs);
    for (const e of engines.slice(0, -1)) {
      const fg = merge(e.runs);
      if (fg.errors !== 0) throw new Error(`parser reported ${fg.errors} errors on generated input`);
      if (dk.records !== fg.records) throw new Error(`record counts differ: ${e.name} ${fg.records}, duckdb ${dk.records}`);
      rows.push(summarize(label, fg));
    }
    rows.push(summarize(label, dk));
  }

  const fmt = (n: number, d = 2) => n.toFixed(d);
  const lines = [
    `Flow-log parsing, one core (${pin.length ? 'taskset -c 0' : 'not pinned: taskset missing'}), ${ROUNDS} alternating rounds x ${RUNS} runs per engine, node ${process.version}`,
    'CPU = user + system time of the measuring process; rates use the median run (best run in brackets).',
    `flowguard: 1 MiB reads into a reused buffer -> FlowLogParser -> FlowBatch -> encodeFlowBatch (the Kafka message ingest publishes); warmed up on the first 128 MB${FG_NODE_FLAGS.length ? `; node ${FG_NODE_FLAGS.join(' ')}` : ''}.`,
    '  encode: strings stay UTF-8 bytes in the lazy string table, the codec copies them (no JS string per value);',
    '  materialize: every string of every batch is created as a JS string (strings.values) before encoding.',
    "duckdb: read_csv(delim ' ', header, nullstr '-', explicit columns and types), SET threads = 1, max() of every column.",
    '',
    '| input | engine | records | MB | CPU s | wall s | M records/s (CPU) | MB/s (CPU) | M records/s (wall) | peak RSS MB |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) =>
      `| ${r.file} | ${r.engine} | ${r.records.toLocaleString()} | ${fmt(r.mb, 0)} | ${fmt(r.cpuS)} | ${fmt(r.wallS)} | ${fmt(r.records / r.cpuS / 1e6)} (${fmt(r.records / r.cpuMinS / 1e6)}) | ${fmt(r.mb / r.cpuS, 0)} | ${fmt(r.records / r.wallS / 1e6)} | ${fmt(r.rssMb, 0)} |`,
    ),
    '',
    ...files.flatMap(([label]) => {
      const dk = rows.find((r) => r.file === label && r.engine === 'duckdb') as Row;
      return rows
        .filter((r) => r.file === label && r.engine !== 'duckdb')
        .map((fg) => `${label}: ${fg.engine} / duckdb throughput = ${fmt(dk.cpuS / fg.cpuS)}x on median CPU time (${fmt(dk.cpuMinS / fg.cpuMinS)}x best runs), ${fmt(dk.wallS / fg.wallS)}x on wall time`);
    }),
    '',
    `load average at the end of the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  ];
  const report = lines.join('\n');
  process.stdout.write(`\n${report}\n`);
  writeFileSync(join(OUT, 'parser-bench.md'), report + '\n');
  writeFileSync(join(OUT, 'parser-bench.json'), JSON.stringify(rows, null, 2));
}

main();
