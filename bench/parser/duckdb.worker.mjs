// One DuckDB baseline measurement: read_csv over the same file, single-threaded,
// explicit columns and types, header, nullstr '-'. Every column is aggregated so
// DuckDB must parse all of them (count(*) alone lets it skip columns).
// Usage: node duckdb.worker.mjs FILE RUNS COLUMNS_JSON   (COLUMNS_JSON: [[name, type], ...])
import { statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, runsArg, columnsJson] = process.argv.slice(2);
const runs = Number(runsArg ?? 3);
const columns = JSON.parse(columnsJson);
const inst = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await inst.connect();
await con.run('SET threads = 1');
const spec = '{' + columns.map(([n, t]) => `'${n}': '${t}'`).join(', ') + '}';
const aggs = columns.map(([n]) => `max("${n}")`).join(', ');
const sql = `SELECT count(*) AS n, ${aggs} FROM read_csv('${file}', delim = ' ', header = true, nullstr = '-', quote = '', escape = '', auto_detect = false, columns = ${spec})`;
const samples = [];
let records = 0;
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const res = await con.runAndReadAll(sql);
  const cpu = process.cpuUsage(c0);
  samples.push({ wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 });
  records = Number(res.getRows()[0][0]);
}
process.stdout.write(JSON.stringify({ engine: 'duckdb', bytes: statSync(file).size, records, errors: 0, samples, maxRssKb: process.resourceUsage().maxRSS, threads: 1 }) + '\n');
