/**
 * One measurement process: stream a flow-log file through FlowLogParser
 * (1 MiB reads, default batch size) `runs` times and print one JSON line.
 * Run by parser.bench.ts, pinned to one core.
 */
import { createReadStream, statSync } from 'node:fs';
import { FlowLogParser, type ParseResult } from '@flowguard/flowlog';

async function once(file: string): Promise<{ records: number; errors: number; batches: number; strings: number }> {
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
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) for (const r of parser.push(chunk as Buffer)) take(r);
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
