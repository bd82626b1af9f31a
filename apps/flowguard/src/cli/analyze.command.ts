import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { SEVERITIES, type AnomalyV1 } from '@flowguard/contracts';
import { defaultDetectionConfig } from '@flowguard/detection';
import { type CliIo, UsageError, choiceOption, intOption, listOption, parse } from './cli-args';
import { type AnalyzeRun, DetectionRun } from './detection.runner';
import { toFindingLine, toOcsfDetectionFinding } from './findings.format';
import { listInputs, readFlowFiles } from './flow-input';
import { ProgressReporter } from './progress.reporter';
import { loadIpRanges } from './ingest.stages';
import { loadThreatIntel } from './threat-intel.loader';
import { ThreadedDetectionRun } from './threaded-detection.runner';

export const ANALYZE_HELP = `flowguard analyze <files or folders...> [options]

Run every detector (the service's DetectionEngine) over flow-log files and print
the findings, one JSON object per line. Reads .log and .log.gz text with or without
a header line; folders are read recursively in path order; \`-\` reads stdin.

  --out FILE            write findings to FILE instead of stdout
  --format jsonl|ocsf   jsonl (default): detector, severity, confidence, actor, targets, ports,
                        start, end (Unix s), mitre, evidence, summary ...;
                        ocsf: OCSF Detection Finding (class_uid 2004) objects
  --log-format FMT      \${field} format of files without a header line (default: v2 default format)
  --intel FILE          extra threat intel (intel.json shape or one IP per line); repeatable
  --internal-cidrs LIST your networks beyond RFC 1918, comma-separated
  --pipeline full|engine  full (default): the service's ingest stages first (threat-intel
                        marks, tier-1 noise filter), then detection; engine: detection only
  --lb-cidrs LIST       load-balancer private IPs/subnets (their health checks are marked)
  --ip-ranges FILE      AWS ip-ranges.json (default: the small bundled snapshot)
  --threads 1|2         2: the detectors run in two worker threads, each a share of them over
                        every row, while the main thread reads, parses and runs the ingest
                        stages; 1: everything on one thread. Same findings either way. Default: 2 when the machine
                        has 2 or more CPUs, at least one of them idle (load average), and the
                        input is stdin or at least 40 MB; else 1

A summary (records, parse errors, findings per detector) goes to stderr; a progress
bar too when stderr is a terminal. Bad lines are counted, never fatal.
`;

const PRODUCT_VERSION = '0.1.0';

export async function analyzeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' }, format: { type: 'string' }, 'log-format': { type: 'string' },
    intel: { type: 'string', multiple: true }, 'internal-cidrs': { type: 'string' }, pipeline: { type: 'string' },
    'lb-cidrs': { type: 'string' }, 'ip-ranges': { type: 'string' }, threads: { type: 'string' },
  }, true);
  if (!positionals.length) throw new UsageError('analyze needs at least one file or folder (or - for stdin)');
  for (const p of positionals) if (p !== '-' && !existsSync(p)) throw new UsageError(`no such file or folder: ${p}`);
  const format = choiceOption('format', values.format, ['jsonl', 'ocsf'] as const, 'jsonl');
  const config = defaultDetectionConfig();
  const extraCidrs = listOption(values['internal-cidrs']) ?? [];
  for (const c of extraCidrs) if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c)) throw new UsageError(`--internal-cidrs: "${c}" is not a CIDR`);
  config.network.internalCidrs = [...config.network.internalCidrs, ...extraCidrs];
  const intel = loadThreatIntel(values.intel ?? []);
  const mode = choiceOption('pipeline', values.pipeline, ['full', 'engine'] as const, 'full');
  const lbCidrs = listOption(values['lb-cidrs']);
  for (const c of lbCidrs ?? []) if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(c)) throw new UsageError(`--lb-cidrs: "${c}" is not an address or CIDR`);
  const ipRanges = loadIpRanges(values['ip-ranges']);
  const threadsOption = values.threads === undefined ? undefined : intOption('threads', values.threads, 1, 1, 2);

  const files = listInputs(positionals.map((p) => (p === '-' ? p : resolve(p))));
  if (!files.length) throw new UsageError(`no flow-log files (*.log, *.log.gz) under ${positionals.join(', ')}`);
  const threads = threadsOption ?? defaultThreads(files);
  const stages = { mode, ...(lbCidrs ? { lbCidrs } : {}), ...(ipRanges ? { ipRanges } : {}) };
  const t0 = io.now();
  const run: AnalyzeRun = threads === 1 ? new DetectionRun(config, intel, stages) : new ThreadedDetectionRun(config, intel, values.intel ?? [], stages);
  const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
  const progress = new ProgressReporter(io, 'analyze', totalBytes, 'B');
  let anomalies: AnomalyV1[];
  let summary: Awaited<ReturnType<typeof readFlowFiles>>;
  const span = new EventSpan();
  try {
    summary = await readFlowFiles(files, {
      ...(values['log-format'] ? { format: values['log-format'] } : {}),
      onBatch: (batch) => {
        span.add(batch.start, batch.end, batch.length);
        return run.feed(batch);
      },
      onProgress: (b) => progress.update(b, () => `${run.records.toLocaleString('en-US')} records`),
    });
    anomalies = await run.finish();
  } finally {
    await run.close();
  }
  progress.done();
  const seconds = (io.now() - t0) / 1000;

  const lines = anomalies.map((a) => JSON.stringify(format === 'ocsf' ? toOcsfDetectionFinding(a, PRODUCT_VERSION) : toFindingLine(a)));
  const text = lines.length ? lines.join('\n') + '\n' : '';
  if (values.out) writeFileSync(values.out, text);
  else io.stdout.write(text);
  io.stderr.write(summaryTable(anomalies, {
    files: summary.files, records: summary.counts.records, seconds,
    errors: summary.counts.errors, nodata: summary.counts.nodata + summary.counts.skipdata, threads,
  }));
  io.stderr.write(`${run.stages.describe()}\n`);
  const learning = config.detectors['unusual-port'];
  if (learning.enabled && span.seconds > 0 && span.seconds < learning.learningPeriodSec) {
    // say why a detector is silent rather than let silence read as "nothing unusual"
    io.stderr.write(
      `note: unusual-port learns each workload for ${fmtDuration(learning.learningPeriodSec)} before it reports; ` +
        `this input spans ${fmtDuration(span.seconds)} of flow time, so it cannot report here (docs/detectors.md, ADR 0027)\n`,
    );
  }
  for (const e of summary.errors.slice(0, 5)) io.stderr.write(`  parse error ${e.source ?? ''}:${e.line} ${e.reason}: ${e.message}\n`);
  return 0;
}

/**
 * Two lanes need a free core to pay off, and an input big enough to repay starting the workers
 * (~0.3-0.5 s): below ~40 MB of files (~350 k records of text) one thread finishes first. On
 * 2 cores the lanes were 17-30 % faster when the second core was idle and 1.6-2.3x slower while
 * other jobs kept the cores busy (docs/simulator-and-eval.md §5), so the default also asks that
 * the 1-minute load average leave at least one core free. stdin has no known size: lanes.
 */
const THREADS_MIN_BYTES = 40e6;
function defaultThreads(files: ReadonlyArray<{ path: string; bytes: number }>): number {
  const cpus = availableParallelism();
  if (cpus < 2 || (loadavg()[0] as number) > cpus - 1) return 1;
  const stdin = files.some((f) => f.path === '-');
  return stdin || files.reduce((n, f) => n + f.bytes, 0) >= THREADS_MIN_BYTES ? 2 : 1;
}

/** First start and last end (Unix s) of the analysed records. */
class EventSpan {
  private first = Infinity;
  private last = 0;

  add(start: Uint32Array, end: Uint32Array, n: number): void {
    let first = this.first;
    let last = this.last;
    for (let i = 0; i < n; i++) {
      const s = start[i] as number;
      const e = end[i] as number;
      if (s > 0 && s < first) first = s;
      if (e > last) last = e;
    }
    this.first = first;
    this.last = last;
  }

  get seconds(): number {
    return this.last > this.first ? this.last - this.first : 0;
  }
}

function fmtDuration(sec: number): string {
  return sec >= 86400 ? `${(sec / 86400).toFixed(sec % 86400 === 0 ? 0 : 1)} days` : `${(sec / 3600).toFixed(1)} h`;
}

function summaryTable(anomalies: AnomalyV1[], s: { files: number; records: number; seconds: number; errors: Record<string, number>; nodata: number; threads: number }): string {
  const errTotal = Object.values(s.errors).reduce((a, b) => a + b, 0);
  const rate = Math.round(s.records / Math.max(s.seconds, 1e-6));
  const out = [
    '',
    `analyzed ${s.files} file(s): ${s.records.toLocaleString('en-US')} records (${s.nodata} NODATA/SKIPDATA) in ${s.seconds.toFixed(2)} s, ` +
      `${rate.toLocaleString('en-US')} records/s (${s.threads === 1 ? '1 thread' : `${s.threads} detection threads`})`,
    `parse errors: ${errTotal}${errTotal ? ` (${Object.entries(s.errors).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
  ];
  const by = new Map<string, Record<string, number>>();
  for (const a of anomalies) {
    const row = by.get(a.detector) ?? {};
    row[a.severity] = (row[a.severity] ?? 0) + 1;
    by.set(a.detector, row);
  }
  const head = ['detector', ...SEVERITIES, 'total'];
  const rows = [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([d, r]) => [
    d, ...SEVERITIES.map((sv) => String(r[sv] ?? 0)), String(Object.values(r).reduce((x, y) => x + y, 0)),
  ]);
  rows.push(['all', ...SEVERITIES.map((sv) => String(anomalies.filter((a) => a.severity === sv).length)), String(anomalies.length)]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(w[i] as number) : v.padStart(w[i] as number))).join('  ');
  out.push(`findings: ${anomalies.length}`, fmt(head), ...rows.map(fmt), '');
  return out.join('\n');
}
