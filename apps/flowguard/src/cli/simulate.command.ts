import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  AWS_SERVICE_PREFIXES, AttackSpecError, type IntensityLevel, Simulation, SimulationError, TextFlowEncoder, toJsonLines,
} from '@flowguard/simulator';
import { type CliIo, UsageError, choiceOption, intOption, listOption, numberOption, parse, timeOption } from './cli-args';
import { ProgressReporter } from './progress.reporter';

export const SIMULATE_HELP = `flowguard simulate --out DIR [options]

Generate labeled VPC flow logs for a synthetic AWS estate, with injected attacks.

  --out DIR            output folder (created; must be empty unless --force)
  --records N          exact number of flow records (default 1000000)
  --seed S             seed; the same seed and options give identical bytes (default 1)
  --attacks LIST       all | none | <detector>[:<variant>],... (default all)
  --levels LIST        keep only attacks of these intensities: high,medium,low
  --format v2|v5       default format (v2) or the v5 custom format with tcp-flags,
                       flow-direction, traffic-path and pkt-* fields
  --hours H            length of the timeline (default 24)
  --start T            first window, Unix seconds or ISO date-time (default 2025-01-01T00:00:00Z)
  --warmup-hours W     attack-free history before the first attack (default: a quarter of
                       --hours); unusual-port needs 168 (7 days of learning) to be evaluable
  --part-minutes M     minutes of traffic per output file (default 60)
  --gzip               write .log.gz objects, as S3 delivery does
  --force              replace a previous simulation in DIR

Writes DIR/AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/*.log[.gz] (each with a header
line), DIR/ground-truth.jsonl (one labeled event per line), DIR/intel.json (threat-intel
entries the attacks use), DIR/ip-ranges.json (the AWS prefixes the estate uses), DIR/benign-entities.txt (the addresses benign traffic used, minus
external attack entities: the population FP entities are counted against) and DIR/manifest.json.
`;

const OWNED = ['AWSLogs', 'manifest.json', 'ground-truth.jsonl', 'intel.json', 'benign-entities.txt', 'ip-ranges.json'];

export function simulateCommand(args: string[], io: CliIo): number {
  const { values } = parse(args, {
    out: { type: 'string' }, records: { type: 'string' }, seed: { type: 'string' }, attacks: { type: 'string' },
    levels: { type: 'string' }, format: { type: 'string' }, hours: { type: 'string' }, start: { type: 'string' },
    'part-minutes': { type: 'string' }, 'warmup-hours': { type: 'string' }, gzip: { type: 'boolean' }, force: { type: 'boolean' },
  });
  if (!values.out) throw new UsageError('simulate needs --out DIR');
  const out = resolve(values.out);
  const levels = listOption(values.levels);
  for (const l of levels ?? []) {
    if (!['high', 'medium', 'low'].includes(l)) throw new UsageError(`--levels takes high, medium, low; got "${l}"`);
  }
  const opts = {
    seed: values.seed ?? '1',
    records: intOption('records', values.records, 1_000_000, 1),
    hours: numberOption('hours', values.hours, 24, 1 / 60, 24 * 31),
    format: choiceOption('format', values.format, ['v2', 'v5'] as const, 'v2'),
    attacks: listOption(values.attacks) ?? ['all'],
    partMinutes: intOption('part-minutes', values['part-minutes'], 60, 1, 24 * 60),
    ...(levels ? { levels: levels as IntensityLevel[] } : {}),
    ...(values.start !== undefined ? { startTime: timeOption('start', values.start) as number } : {}),
    ...(values['warmup-hours'] !== undefined ? { warmupHours: numberOption('warmup-hours', values['warmup-hours'], 0, 0, 24 * 31) } : {}),
  };
  if (existsSync(out) && readdirSync(out).length > 0) {
    const foreign = readdirSync(out).filter((f) => !OWNED.includes(f));
    if (!values.force) throw new UsageError(`${out} is not empty; use --force to replace a previous simulation there`);
    if (foreign.length) throw new UsageError(`${out} holds files that are not a simulation's (${foreign.slice(0, 3).join(', ')}); choose another --out`);
    for (const f of OWNED) rmSync(join(out, f), { recursive: true, force: true });
  }

  let sim: Simulation;
  try {
    sim = new Simulation(opts);
  } catch (e) {
    // a record budget or attack list that cannot work is the caller's to fix
    if (e instanceof SimulationError || e instanceof AttackSpecError) throw new UsageError(e.message);
    throw e;
  }
  mkdirSync(out, { recursive: true });
  const gzip = values.gzip === true;
  const parts: { key: string; bytes: number }[] = [];
  let fd = -1;
  let partBytes = 0;
  const encoder = new TextFlowEncoder(sim.estate, sim.format, {
    beginPart(key) {
      const path = join(out, gzip ? `${key}.gz` : key);
      mkdirSync(dirname(path), { recursive: true });
      fd = openSync(path, 'w');
      parts.push({ key: gzip ? `${key}.gz` : key, bytes: 0 });
      partBytes = 0;
    },
    write(bytes) {
      // one gzip member per chunk: concatenated members are a valid gzip file; level 1 because
      // compression, not generation, would otherwise bound the speed (readers do not care)
      const data = gzip ? gzipSync(bytes, { level: 1 }) : bytes;
      writeSync(fd, data);
      partBytes += data.length;
    },
    endPart() {
      closeSync(fd);
      fd = -1;
      (parts[parts.length - 1] as { bytes: number }).bytes = partBytes;
    },
  });
  const progress = new ProgressReporter(io, 'simulate', opts.records, 'records');
  const t0 = io.now();
  sim.run(encoder, (n) => progress.update(n));
  encoder.endPart();
  progress.done();
  const seconds = (io.now() - t0) / 1000;
  const truth = sim.groundTruth();
  writeFileSync(join(out, 'ground-truth.jsonl'), toJsonLines(truth));
  writeFileSync(join(out, 'intel.json'), JSON.stringify(sim.estate.intel, null, 2) + '\n');
  // the ip-ranges.json subset the estate uses (real us-east-1 prefixes), for the ingest noise filter
  writeFileSync(join(out, 'ip-ranges.json'), JSON.stringify({
    syncToken: '0', createDate: '2025-01-01-00-00-00',
    prefixes: AWS_SERVICE_PREFIXES.map((p) => ({ ip_prefix: p.cidr, region: sim.estate.opts.region, service: p.service, network_border_group: sim.estate.opts.region })),
    ipv6_prefixes: [],
  }, null, 2) + '\n');
  const benign = sim.benignEntities();
  writeFileSync(join(out, 'benign-entities.txt'), benign.join('\n') + '\n');
  const rate = Math.round(sim.counts.total / Math.max(seconds, 1e-6));
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({
    ...sim.manifest(), gzip, parts: parts.map((p) => p.key), generation: { seconds: +seconds.toFixed(3), recordsPerSecond: rate },
  }, null, 2) + '\n');
  const attacks = truth.filter((e) => e.kind === 'attack');
  const mb = parts.reduce((s, p) => s + p.bytes, 0) / 1e6;
  io.stdout.write(
    `wrote ${sim.counts.total} records (${sim.format}) in ${parts.length} file(s), ${mb.toFixed(1)} MB, to ${out}\n` +
      `  benign ${sim.counts.fixed + sim.counts.load} (fixed-rate ${sim.counts.fixed}), attack ${sim.counts.attack}; ` +
      `${attacks.length} labeled attacks over ${new Set(attacks.map((a) => a.detector)).size} detectors\n` +
      `  ${seconds.toFixed(2)} s, ${rate.toLocaleString('en-US')} records/s\n`,
  );
  return 0;
}
