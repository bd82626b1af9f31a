/**
 * One phase of bench/analyze/analyze.bench.ts, run in its own process; prints a
 * JSON line { phase, records, seconds, parts?, note?, maxRssBytes } last.
 *
 *   analyze-phases.ts generate DIR RECORDS SEED
 *   analyze-phases.ts generate-null - RECORDS FORMAT   (simulator + text encoder, output discarded)
 *   analyze-phases.ts build                          (compile the CLI as `npm run flowguard` does)
 *   analyze-phases.ts flowguard DIR THREADS           (the compiled CLI, as `npm run flowguard` runs it)
 *   analyze-phases.ts parse-only DIR
 *   analyze-phases.ts duckdb DIR THREADS
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { FlowLogParser } from '@flowguard/flowlog';
import { Simulation, TextFlowEncoder } from '@flowguard/simulator';

const ROOT = join(__dirname, '..', '..');
const [phase, dir, a1, a2] = process.argv.slice(2) as [string, string, string?, string?];
const maxRss = () => process.resourceUsage().maxRSS * 1024;
const emit = (r: Record<string, unknown>) => console.log(JSON.stringify({ maxRssBytes: maxRss(), ...r }));

/** The compiled CLI entry `npm run flowguard` runs (scripts/flowguard.mjs builds it when stale). */
const COMPILED = join(ROOT, 'dist/flowguard-cli/apps/flowguard/src/cli/main.js');

/**
 * Run the real CLI as a child under GNU time for its peak RSS, and time the whole process
 * (start-up included: what a user waits for). `compiled` runs the build directly, so a
 * source change by someone else during the bench cannot trigger a rebuild inside the timing.
 */
function cli(args: string[], compiled = false): { out: string; err: string; maxRssBytes: number | null; wallSeconds: number } {
  const time = existsSync('/usr/bin/time');
  const entry = compiled ? COMPILED : join(ROOT, 'scripts/flowguard.mjs');
  const cmd = time ? '/usr/bin/time' : process.execPath;
  const argv = time ? ['-f', 'MAXRSS_KB %M', process.execPath, entry, ...args] : [entry, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`flowguard ${args[0]} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const kb = /MAXRSS_KB (\d+)/.exec(r.stderr)?.[1];
  return { out: r.stdout, err: r.stderr, maxRssBytes: kb ? Number(kb) * 1024 : null, wallSeconds };
}

function files(d: string): string[] {
  return readdirSync(d).sort().flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? files(p) : n.endsWith('.log') ? [p] : [];
  });
}

async function main(): Promise<void> {
  if (phase === 'generate') {
    const r = cli(['simulate', '--out', dir, '--records', a1 as string, '--seed', a2 as string]);
    const seconds = Number(/\n\s+([\d.]+) s, [\d,]+ records\/s/.exec(r.out)?.[1]);
    emit({ phase: 'simulate (CLI: generate + write text)', records: Number(a1), seconds, note: r.out.split('\n')[0], maxRssBytes: r.maxRssBytes });
  } else if (phase === 'generate-null') {
    const t0 = performance.now();
    const sim = new Simulation({ seed: 1, records: Number(a1), format: a2 as 'v2' | 'v5' });
    let bytes = 0;
    const enc = new TextFlowEncoder(sim.estate, sim.format, { beginPart: () => undefined, write: (b) => (bytes += b.length), endPart: () => undefined });
    sim.run(enc);
    enc.endPart();
    const seconds = (performance.now() - t0) / 1000;
    emit({ phase: `simulator in memory (${a2}, plan + generate + encode)`, records: Number(a1), seconds, note: `${(bytes / 1e6).toFixed(0)} MB of text` });
  } else if (phase === 'build') {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/flowguard.mjs'), '--build'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr.slice(-2000)}`);
    emit({ phase: 'build the CLI (tsc --noCheck, once after source changes)', records: 0, seconds: (performance.now() - t0) / 1000 });
  } else if (phase === 'flowguard') {
    const threads = a1 ?? '2';
    const r = cli(['analyze', join(dir, 'AWSLogs'), '--intel', join(dir, 'intel.json'), '--out', '/dev/null', '--threads', threads], true);
    const m = /analyzed \d+ file\(s\): ([\d,]+) records .* in ([\d.]+) s/.exec(r.err);
    const findings = /findings: (\d+)/.exec(r.err)?.[1];
    emit({
      phase: `flowguard analyze --threads ${threads} (compiled CLI process: start-up + parse + ingest stages + all detectors + output)`,
      records: Number(m?.[1]?.replace(/,/g, '') ?? 0), seconds: r.wallSeconds,
      parts: { 'after start-up (CLI summary)': Number(m?.[2]) }, note: `${findings} findings`, maxRssBytes: r.maxRssBytes,
    });
  } else if (phase === 'parse-only') {
    let records = 0;
    const t0 = performance.now();
    for (const f of files(join(dir, 'AWSLogs'))) {
      const parser = new FlowLogParser({ source: f });
      for await (const chunk of createReadStream(f, { highWaterMark: 1 << 20 })) for (const r of parser.push(chunk as Buffer)) records += r.batch.length;
      records += parser.end().batch.length;
    }
    emit({ phase: 'flowguard parse only (streaming text parser)', records, seconds: (performance.now() - t0) / 1000 });
  } else if (phase === 'duckdb') {
    await duckdb(dir, Number(a1));
  } else throw new Error(`unknown phase ${phase}`);
}

async function duckdb(dir: string, threads: number): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await instance.connect();
  await con.run(`SET preserve_insertion_order=false; SET autoinstall_known_extensions=false`);
  const glob = join(dir, 'AWSLogs', '**', '*.log').replace(/'/g, "''");
  const t0 = performance.now();
  await con.run(`CREATE TABLE flows AS SELECT * FROM read_csv('${glob}', delim=' ', header=true, nullstr='-', columns={
    'version': 'INTEGER', 'account-id': 'VARCHAR', 'interface-id': 'VARCHAR', 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR',
    'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT',
    'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log-status': 'VARCHAR'})`);
  const t1 = performance.now();
  const count = Number((await (await con.run('SELECT count(*) FROM flows')).getRows())[0]?.[0]);
  // The aggregates behind the scan, sweep and flood detectors, with their default thresholds
  // (60 s windows; > 20 ports; > 25 hosts; > 5000 packets/s, 500 sources or 6000 connections).
  const scan = await con.run(`SELECT srcaddr, dstaddr, start // 60 AS w, count(DISTINCT dstport) AS ports
    FROM flows WHERE "log-status" = 'OK' GROUP BY ALL HAVING ports > 20`);
  const scans = (await scan.getRows()).length;
  const t2 = performance.now();
  const sweep = await con.run(`SELECT srcaddr, dstport, start // 60 AS w, count(DISTINCT dstaddr) AS hosts
    FROM flows WHERE "log-status" = 'OK' GROUP BY ALL HAVING hosts > 25`);
  const sweeps = (await sweep.getRows()).length;
  const t3 = performance.now();
  const flood = await con.run(`SELECT dstaddr, start // 60 AS w, sum(packets) AS pk, count(DISTINCT srcaddr) AS src, count(*) AS n
    FROM flows WHERE "log-status" = 'OK' GROUP BY ALL HAVING pk / 60 > 5000 OR src > 500 OR n > 6000`);
  const floods = (await flood.getRows()).length;
  const t4 = performance.now();
  emit({
    phase: `DuckDB threads=${threads} (load + scan, sweep, flood SQL)`, records: count, seconds: (t4 - t0) / 1000,
    parts: { load: (t1 - t0) / 1000, scan: (t2 - t1) / 1000, sweep: (t3 - t2) / 1000, flood: (t4 - t3) / 1000 },
    note: `${scans} scan, ${sweeps} sweep, ${floods} flood rows`,
  });
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
});
