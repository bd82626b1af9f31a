/**
 * One measurement process: stream a flow-log file through FlowLogParser
 * (1 MiB reads, default batch size) `runs` times and print one JSON line.
 * Before timing, the first 32 MB are parsed once so the measured run is
 * JIT-compiled like a long-running ingest service (DuckDB needs no warm-up).
 * Run by parser.bench.ts, pinned to one core.
 */
import { createReadStream, statSync } from 'node:fs';
import { FlowLogParser, type ParseResult } from '@flowguard/flowlog';

async function once(file: string, endByte?: number): Promise<{ records: number; errors: number; batches: number; strings: number }> {
  const parser = new FlowLogParser({ source: file });
  let records = 0;
  let errors = 0;
  let batches = 0;
  let strings = 0;
  const take = (r: ParseResult) => {
    records += r.batch.length;
    errors += r.errors.length;
    batches++;
    strings += r.batch.strings.size;
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 20, ...(endByte !== undefined ? { end: endByte } : {}) });
  for await (const chunk of stream) for (const r of parser.push(chunk as Buffer)) take(r);
  take(parser.end());
  return { records, errors, batches, strings };
}

async function main(): Promise<void> {
  const [file, runsArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: parse.worker.ts FILE [RUNS]');
  const runs = Number(runsArg ?? 3);
  const bytes = statSync(file).size;
  const samples: Array<{ wallMs: number; cpuMs: number }> = [];
  let last = { records: 0, errors: 0, batches: 0, strings: 0 };
  await once(file, Math.min(bytes, 32 << 20) - 1); // warm-up
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = await once(file);
    const cpu = process.cpuUsage(c0);
    samples.push({ wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  process.stdout.write(JSON.stringify({ engine: 'flowguard', bytes, ...last, samples, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
