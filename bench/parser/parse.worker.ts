/**
 * One measurement process: read a flow-log file in 1 MiB chunks into one
 * reused buffer, push them through FlowLogParser (default batch size) and
 * hand every batch to the ingest-side consumer of MODE, `runs` times, then
 * print one JSON line. MODE:
 *   - encode: FlowBatch -> encodeFlowBatch, the binary message ingest
 *     publishes to Kafka. The parser's string table creates JS strings only
 *     when read, and the codec takes the UTF-8 bytes straight from it, so this
 *     path creates no string per value.
 *   - materialize: every string of the table is created (`strings.values`),
 *     then the batch is encoded: the cost when a consumer reads all values.
 * READMODE=stream uses fs.createReadStream instead of the reused buffer (a
 * fresh Buffer per chunk: measurably slower, the allocations feed the GC).
 * Before timing, the first 128 MB are parsed once so the measured run is
 * JIT-compiled and the heap sized like a long-running ingest service (DuckDB
 * needs no warm-up). Run by parser.bench.ts, pinned to one core.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { encodeFlowBatch } from '@flowguard/contracts';
import { FlowLogParser, type ParseResult } from '@flowguard/flowlog';

type Mode = 'encode' | 'materialize';

async function once(file: string, mode: Mode, endByte?: number): Promise<{ records: number; errors: number; batches: number; strings: number; wireBytes: number }> {
  const parser = new FlowLogParser({ source: file });
  let records = 0;
  let errors = 0;
  let batches = 0;
  let strings = 0;
  let wireBytes = 0;
  const take = (r: ParseResult) => {
    records += r.batch.length;
    errors += r.errors.length;
    batches++;
    if (mode === 'materialize') strings += r.batch.strings.values.length;
    else strings += r.batch.strings.size;
    wireBytes += encodeFlowBatch(r.batch).length;
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
  return { records, errors, batches, strings, wireBytes };
}

async function main(): Promise<void> {
  const [file, runsArg, modeArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: parse.worker.ts FILE [RUNS] [encode|materialize]');
  const mode: Mode = modeArg === 'materialize' ? 'materialize' : 'encode';
  const runs = Number(runsArg ?? 3);
  const bytes = statSync(file).size;
  const samples: Array<{ wallMs: number; cpuMs: number }> = [];
  let last = { records: 0, errors: 0, batches: 0, strings: 0, wireBytes: 0 };
  await once(file, mode, Math.min(bytes, 128 << 20) - 1); // warm-up: JIT tiers and heap sizing
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    last = await once(file, mode);
    const cpu = process.cpuUsage(c0);
    samples.push({ wallMs: Number(process.hrtime.bigint() - t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  process.stdout.write(JSON.stringify({ engine: `flowguard ${mode}`, bytes, ...last, samples, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
