/**
 * Tier-1 noise filter: reduction per reason on each shared dataset and on
 * simulated AWS traffic, labelled rows lost from detection, and throughput
 * against a pass-through baseline (a plain copy of every row) in the same run.
 *
 *   scripts/run-ts.sh bench/ingest/noise-filter.bench.ts [--records 300000]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { buildAwsIpRanges, bundledAwsIpRanges, NoiseFilter, type NoiseFilterConfig, type NoiseFilterCounts } from '@flowguard/ingest-pipeline';
import { AWS_SERVICE_PREFIXES, BatchFlowSink, Simulation, WINDOW } from '@flowguard/simulator';

const DATASETS = join(__dirname, '..', '..', '..', 'shared', 'datasets');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const pct = (part: number, whole: number) => (whole === 0 ? '0.00%' : `${((100 * part) / whole).toFixed(2)}%`);

function sumCounts(all: NoiseFilterCounts[]): NoiseFilterCounts {
  const out: NoiseFilterCounts = {
    input: 0, detection: 0, storage: 0, protectedRows: 0, allowListHits: {}, expiredAllowEntries: [],
    droppedFromDetection: { allow_list: 0, aws_service: 0, health_check_route53: 0, health_check_lb: 0 },
    sampledOutOfStorage: { allow_list: 0, aws_service: 0, health_check_route53: 0, health_check_lb: 0 },
    marked: { healthCheck: 0, awsService: 0 },
  };
  for (const c of all) {
    out.input += c.input;
    out.detection += c.detection;
    out.storage += c.storage;
    out.protectedRows += c.protectedRows;
    out.marked.healthCheck += c.marked.healthCheck;
    out.marked.awsService += c.marked.awsService;
    for (const k of Object.keys(c.droppedFromDetection) as Array<keyof typeof c.droppedFromDetection>) {
      out.droppedFromDetection[k] += c.droppedFromDetection[k];
      out.sampledOutOfStorage[k] += c.sampledOutOfStorage[k];
    }
  }
  return out;
}

function report(name: string, c: NoiseFilterCounts, extra = ''): void {
  const d = c.droppedFromDetection;
  const s = c.sampledOutOfStorage;
  console.log(
    `${name.padEnd(34)} rows ${String(c.input).padStart(8)} | detection -${pct(c.input - c.detection, c.input).padStart(7)}` +
      ` (aws ${d.aws_service}, r53 ${d.health_check_route53}, lb ${d.health_check_lb}, allow ${d.allow_list})` +
      ` | storage -${pct(c.input - c.storage, c.input).padStart(7)} (sampled out: aws ${s.aws_service}, r53 ${s.health_check_route53}, lb ${s.health_check_lb}, allow ${s.allow_list})` +
      ` | marked hc ${c.marked.healthCheck}, big-aws ${c.marked.awsService}${extra}`,
  );
}

function timeIt(batches: FlowBatch[], fn: (b: FlowBatch) => void, reps: number): number {
  const rows = batches.reduce((n, b) => n + b.length, 0);
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) for (const b of batches) fn(b);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return (rows * reps) / s;
}

function datasets(): void {
  if (!existsSync(DATASETS)) {
    console.log(`datasets: ${DATASETS} is absent, skipped`);
    return;
  }
  const ranges = bundledAwsIpRanges();
  console.log(`\n== shared datasets (bundled ip-ranges fallback: ${ranges.prefixCount} prefixes; v2 records, no LB configuration)`);
  for (const file of readdirSync(DATASETS).filter((f) => f.endsWith('.vpc.log')).sort()) {
    const text = readFileSync(join(DATASETS, file), 'utf8');
    const parsed = parseFlowLogText(text, { source: file });
    const labels = existsSync(join(DATASETS, file.replace('.vpc.log', '.labels.tsv')))
      ? readFileSync(join(DATASETS, file.replace('.vpc.log', '.labels.tsv')), 'utf8').split('\n').slice(1).map((l) => l.split('\t')[1] ?? '')
      : [];
    for (const mode of ['mark', 'drop'] as const) {
      const batch = parsed.batch;
      batch.marks.fill(0);
      const res = new NoiseFilter({ awsServices: { ranges }, healthChecks: { mode } }).apply(batch, Date.now());
      // labelled malicious rows removed from detection: must be zero
      let lostMalicious = 0;
      const kept = new Set<string>();
      for (let i = 0; i < res.detection.length; i++) kept.add(`${res.detection.src(i)}|${res.detection.dst(i)}|${res.detection.srcPort[i]}|${res.detection.dstPort[i]}|${res.detection.start[i]}`);
      for (let i = 0; i < batch.length; i++) {
        const label = labels[i] ?? '';
        if (/malicious|portscan|ddos/i.test(label) && !kept.has(`${batch.src(i)}|${batch.dst(i)}|${batch.srcPort[i]}|${batch.dstPort[i]}|${batch.start[i]}`)) lostMalicious++;
      }
      report(`${file} [hc ${mode}]`, res.counts, ` | labelled-attack rows lost from detection: ${lostMalicious}`);
    }
  }
}

function simulated(records: number): void {
  const sim = new Simulation({ seed: 'noise-bench', records, hours: 6, format: 'v5' });
  const batches: FlowBatch[] = [];
  const sink = new BatchFlowSink(sim.estate, 'v5', 8192, (b) => batches.push(b));
  sim.run(sink);
  sink.flush();
  // the attack records alone, regenerated window by window (deterministic), to check none leaves detection
  const attackBatches: FlowBatch[] = [];
  const attackSink = new BatchFlowSink(sim.estate, 'v5', 8192, (b) => attackBatches.push(b));
  for (let w = 0; w < sim.windows; w++) for (const a of sim.attacks) a.window(w, sim.startTime + w * WINDOW, attackSink);
  attackSink.flush();
  const lbHosts = sim.estate.hosts.filter((h) => h.role === 'lb');
  const ranges = buildAwsIpRanges({ prefixes: AWS_SERVICE_PREFIXES.map((p) => ({ ip_prefix: p.cidr, service: p.service })) });
  const cfg = (mode: 'mark' | 'drop'): NoiseFilterConfig => ({
    awsServices: { ranges },
    healthChecks: {
      mode,
      lbEnis: lbHosts.map((h) => sim.estate.enis[h.eni]!.interfaceId),
      lbCidrs: lbHosts.map((h) => sim.estate.addrs.text[h.addr]!),
      ports: [8080],
    },
  });
  const rows = batches.reduce((n, b) => n + b.length, 0);
  console.log(`\n== simulated estate (seed noise-bench, ${rows} v5 records over 6 h, all attack variants; ${lbHosts.length} LB nodes, ip-ranges = the simulator's S3/DynamoDB prefixes)`);
  for (const mode of ['mark', 'drop'] as const) {
    const filter = new NoiseFilter(cfg(mode));
    const counts = batches.map((b) => {
      b.marks.fill(0);
      return filter.apply(b, Date.now()).counts;
    });
    const attack = sumCounts(attackBatches.map((b) => {
      b.marks.fill(0);
      return filter.apply(b, Date.now()).counts;
    }));
    report(`simulated [hc ${mode}]`, sumCounts(counts), ` | attack rows ${attack.input}, removed from detection ${attack.input - attack.detection} ${JSON.stringify(attack.droppedFromDetection)}`);
  }

  // throughput: filter vs. the pass-through baseline (copy every row with select) on the same batches
  const filter = new NoiseFilter(cfg('mark'));
  const all = (b: FlowBatch) => {
    const idx = new Uint32Array(b.length);
    for (let i = 0; i < b.length; i++) idx[i] = i;
    b.select(idx);
  };
  timeIt(batches, all, 1);
  timeIt(batches, (b) => filter.apply(b, Date.now()), 1);
  const baseline = timeIt(batches, all, 3);
  const filtered = timeIt(batches, (b) => filter.apply(b, Date.now()), 3);
  console.log(`\nthroughput (v5 batches of 8,192 rows): noise filter ${(filtered / 1e6).toFixed(2)} M rows/s | baseline in this run: one FlowBatch.select copy of every row ${(baseline / 1e6).toFixed(2)} M rows/s | heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
}

datasets();
simulated(arg('records', 300_000));
