/**
 * The ingest stages between the parser and Kafka, in process, on batches the
 * real parser made (its lazy string table: values stay UTF-8 bytes until
 * someone reads a string, ADR 0020) and on the same batches after a codec
 * round trip (a plain StringTable whose strings exist already).
 *
 *   encode                               the baseline, measured in the same run
 *   marks + filter + encode              threat-intel marks, tier-1 filter
 *   ... + enrichment classification      FlowEnricher without sources (public/private per address)
 *
 * Batches are made (parsed or decoded) untimed before each repetition; the
 * timed part is stages + encode, and the stage cost is the difference to the
 * encode-only baseline, in ns per row. Lines come
 * from the ingest-e2e estate generator (v2, ~60 k public peers, S3, LB health
 * checks, an allow-listed backup host), parsed in 8,192-line chunks as the
 * ingest service does.
 *
 *   scripts/run-ts.sh bench/ingest/ingest-stages.bench.ts [--lines 200000] [--reps 3]
 */
import { decodeFlowBatch, encodeFlowBatch, type FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { bundledAwsIpRanges, FlowEnricher, markThreatIntel, NoiseFilter, type NoiseFilterConfig } from '@flowguard/ingest-pipeline';
import { ThreatIntel } from '@flowguard/threat-intel';
import { ESTATE, ESTATE_HEADER, estateLines } from '../ingest-e2e/estate-flows.generator';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const LINES = arg('lines', 200_000);
const REPS = arg('reps', 3);
const CHUNK = 8192;

const chunks: Buffer[] = [];
{
  let lines: string[] = [];
  for (const l of estateLines(LINES)) {
    lines.push(l);
    if (lines.length === CHUNK) {
      chunks.push(Buffer.from(`${lines.join('\n')}\n`));
      lines = [];
    }
  }
  if (lines.length) chunks.push(Buffer.from(`${lines.join('\n')}\n`));
}
const FORMAT = ESTATE_HEADER.split(' ').map((f) => '${' + f + '}').join(' ');
const parse = (c: Buffer): FlowBatch => parseFlowLogText(c, { format: FORMAT }).batch;
const decodedOnce = chunks.map((c) => encodeFlowBatch(parse(c)));

const ti = ThreatIntel.bundled();
const base: NoiseFilterConfig = { awsServices: { ranges: bundledAwsIpRanges() }, healthChecks: { lbCidrs: [ESTATE.lbCidr], ports: [ESTATE.healthCheckPort] } };
const plain = new NoiseFilter(base);
const withAllow = new NoiseFilter({ ...base, allowList: [{ id: 'backup-rsync', owner: 'bench', reason: 'backup host rsync', match: { srcCidr: ESTATE.backupCidr, port: 873 } }] });
const enricher = new FlowEnricher({});
const now = Date.now();

type Source = (i: number) => FlowBatch;
const parsed: Source = (i) => parse(chunks[i] as Buffer);
const decoded: Source = (i) => decodeFlowBatch(decodedOnce[i] as Buffer);

/** Best time of `stage` + encode over fresh batches (made untimed before each rep: a table creates its strings once). */
async function time(src: Source, stage: (b: FlowBatch) => FlowBatch | Promise<FlowBatch>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < REPS; r++) {
    const batches = chunks.map((_, i) => src(i));
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    for (const b of batches) bytes += encodeFlowBatch(await stage(b)).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (bytes === 0) throw new Error('nothing encoded');
    best = Math.min(best, s);
  }
  return best;
}

const marksFilter = (f: NoiseFilter) => (b: FlowBatch) => {
  markThreatIntel(b, ti);
  return f.apply(b, now).detection;
};
const full = (f: NoiseFilter) => async (b: FlowBatch) => {
  const d = marksFilter(f)(b);
  await enricher.enrich(d);
  return d;
};

async function main(): Promise<void> {
  const rows = LINES;
  console.log(`ingest stages: ${rows} v2 lines in ${chunks.length} chunks of ${CHUNK}, best of ${REPS} (node ${process.version})`);
  for (const [name, src] of [['parser-made tables', parsed], ['decoded tables (codec round trip)', decoded]] as const) {
    await time(src, (b) => b); // warm-up
    await time(src, full(withAllow));
    const baseline = await time(src, (b) => b);
    const cases: Array<[string, (b: FlowBatch) => FlowBatch | Promise<FlowBatch>]> = [
      ['+ marks + filter', marksFilter(plain)],
      ['+ marks + filter (allow-list)', marksFilter(withAllow)],
      ['+ marks + filter + enrich-classify', full(plain)],
    ];
    console.log(`\n== ${name}: baseline (encode only) ${((rows / baseline) / 1e6).toFixed(2)} M rows/s`);
    for (const [label, stage] of cases) {
      const s = await time(src, stage);
      console.log(`${label.padEnd(38)} ${((rows / s) / 1e6).toFixed(2)} M rows/s with encode | stages ${(((s - baseline) * 1e9) / rows).toFixed(0).padStart(4)} ns/row`);
    }
  }
}

void main();
