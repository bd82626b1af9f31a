/**
 * One measurement process: read a flow-log file in 1 MiB chunks into one
 * reused buffer and push them through FlowLogParser (default batch size),
 * `runs` times, then print one JSON line. READMODE=stream uses
 * fs.createReadStream instead (a fresh Buffer per chunk: measurably slower,
 * the allocations feed the GC). Before timing, the first 128 MB are parsed
 * once so the measured run is JIT-compiled and the heap sized like a
 * long-running ingest service (DuckDB needs no warm-up).
 * Run by parser.bench.ts, pinned to one core.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
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
  if (process.env['READMODE'] !== 'stream') {
    const fd = openSync(file, 'r');
    const chunk = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    const limit = endByte === undefined ? Infinity : endByte + 1;
    for (;;) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, limit - pos), pos);
      if (n <= 0) break;
      pos += n;
      for (const r of parser.push(chunk.subarray(0, n))) take(r);
    }
    closeSync(fd);
  } else {
    const stream = createReadStream(file, { highWaterMark: 1 << 20, ...(endByte !== undefined ? { end: endByte } : {}) });
    for await (const chunk of stream) for (const r of parser.push(chunk as Buffer)) take(r);
  }
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
  await once(file, Math.min(bytes, 128 << 20) - 1); // warm-up: JIT tiers and heap sizing
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
