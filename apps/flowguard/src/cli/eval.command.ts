import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { AnomalyV1 } from '@flowguard/contracts';
import { IpSet } from '@flowguard/threat-intel';
import { type DetectionConfig, defaultDetectionConfig } from '@flowguard/detection';
import { parseFlowLogText } from '@flowguard/flowlog';
import {
  DATASET_PROFILES, type EvalReport, type MatchMode, evaluate, formatEvalTable, parseGroundTruth,
  parseLabelsTsv, truthFromLabels,
} from '@flowguard/simulator';
import { type CliIo, UsageError, choiceOption, intOption, parse } from './cli-args';
import { DetectionRun } from './detection.runner';
import { type PipelineMode, loadIpRanges } from './ingest.stages';
import { listInputs, readFlowFiles } from './flow-input';
import { ProgressReporter } from './progress.reporter';
import { loadThreatIntel } from './threat-intel.loader';

export const EVAL_HELP = `flowguard eval [--simulated DIR] [--dataset PATH]... [options]

Run the detection engine over labeled data and score it per detector: events
detected (TP/FN, recall), anomalies matched or not (precision), and benign entities
flagged (FP-entity rate). Targets: recall >= 0.95, FP entities <= 1% of benign entities.

  --simulated DIR      output of \`flowguard simulate\` (ground-truth.jsonl, intel.json, flow logs)
  --dataset PATH       a labeled X.vpc.log (with X.labels.tsv beside it) or a folder of them;
                       repeatable. Label mapping: docs/simulator-and-eval.md
  --tolerance S        time slack around each event, seconds (default 600)
  --match actor|entity  actor (default): recall credit only for anomalies that attribute the
                       event (same actor, or same target for many-source events); entity: any
                       shared actor or target credits it (lenient)
  --intel FILE         extra threat intel (intel.json shape or one IP per line); repeatable
  --pipeline full|engine  full (default): ingest stages (threat marks, noise filter) before
                       detection, as the service runs them; engine: detection only
  --json FILE          also write the full reports as JSON
`;

interface SourceResult {
  name: string;
  pipeline: string;
  kind: 'simulated' | 'dataset';
  records: number;
  parseErrors: number;
  seconds: number;
  anomalies: number;
  report: EvalReport;
}

export async function evalCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    simulated: { type: 'string' }, dataset: { type: 'string', multiple: true }, tolerance: { type: 'string' },
    match: { type: 'string' }, intel: { type: 'string', multiple: true }, json: { type: 'string' }, pipeline: { type: 'string' },
  });
  if (!values.simulated && !values.dataset?.length) throw new UsageError('eval needs --simulated DIR and/or --dataset PATH');
  const opts = {
    toleranceSeconds: intOption('tolerance', values.tolerance, 600, 0, 7 * 86400),
    mode: choiceOption('match', values.match, ['actor', 'entity'] as const, 'actor'),
  };
  const intelFiles = values.intel ?? [];
  const mode = choiceOption('pipeline', values.pipeline, ['full', 'engine'] as const, 'full');
  const results: SourceResult[] = [];
  if (values.simulated) results.push(await evalSimulated(resolve(values.simulated), intelFiles, mode, opts, io));
  for (const file of datasetFiles(values.dataset ?? [])) results.push(evalDataset(file, intelFiles, mode, opts, io));
  for (const r of results) {
    const head = `${r.kind} ${r.name}: ${r.records} records (${r.parseErrors} parse errors), ${r.anomalies} anomalies, ` +
      `${r.seconds.toFixed(1)} s\n${r.pipeline}`;
    io.stdout.write(`${formatEvalTable(r.report, head)}\n\n`);
  }
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(results.map((r) => ({ ...r, report: { ...r.report, outcomes: undefined } })), null, 2) + '\n');
  }
  return 0;
}

function datasetFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    if (!existsSync(p)) throw new UsageError(`--dataset ${p} does not exist`);
    if (statSync(p).isDirectory()) {
      const logs = readdirSync(p).filter((f) => f.endsWith('.vpc.log')).sort();
      if (!logs.length) throw new UsageError(`--dataset ${p} holds no *.vpc.log files`);
      out.push(...logs.map((f) => join(p, f)));
    } else out.push(p);
  }
  for (const f of out) {
    if (!existsSync(labelsOf(f))) throw new UsageError(`no labels for ${f}: expected ${labelsOf(f)}`);
  }
  return out;
}

const labelsOf = (vpcLog: string) => join(dirname(vpcLog), basename(vpcLog).replace(/\.vpc\.log$/, '').replace(/\.log$/, '') + '.labels.tsv');

function evalDataset(file: string, intelFiles: string[], mode: PipelineMode, opts: { toleranceSeconds: number; mode: MatchMode }, io: CliIo): SourceResult {
  const name = basename(file).replace(/\.vpc\.log$/, '');
  const t0 = io.now();
  const parsed = parseFlowLogText(readFileSync(file), { source: file });
  const errors = Object.values(parsed.counts.errors).reduce((a, b) => a + b, 0);
  if (errors > 0) throw new Error(`${file}: ${errors} parse errors; labels would no longer align with records`);
  const derived = truthFromLabels(parsed.batch, parseLabelsTsv(readFileSync(labelsOf(file), 'utf8')), name);
  const config = defaultDetectionConfig();
  const extra = DATASET_PROFILES.find((p) => name.startsWith(p.prefix))?.internalCidrs ?? [];
  config.network.internalCidrs = [...config.network.internalCidrs, ...extra];
  const run = new DetectionRun(config, loadThreatIntel(intelFiles), { mode });
  run.feed(parsed.batch);
  const anomalies = run.finishNow();
  return {
    name, kind: 'dataset', pipeline: run.stages.describe(), records: parsed.counts.records, parseErrors: 0, seconds: (io.now() - t0) / 1000,
    anomalies: anomalies.length,
    report: evaluate(derived.truth, anomalies.map(evalView), derived.benignEntities, { ...opts, isInternal: internalTest(config.network.internalCidrs) }),
  };
}

async function evalSimulated(dir: string, intelFiles: string[], mode: PipelineMode, opts: { toleranceSeconds: number; mode: MatchMode }, io: CliIo): Promise<SourceResult> {
  const need = (f: string) => {
    const p = join(dir, f);
    if (!existsSync(p)) throw new UsageError(`--simulated ${dir} has no ${f}; is it the output of \`flowguard simulate\`?`);
    return p;
  };
  const truth = parseGroundTruth(readFileSync(need('ground-truth.jsonl'), 'utf8'));
  const manifest = JSON.parse(readFileSync(need('manifest.json'), 'utf8')) as {
    records?: number; estate?: { hosts?: { role: string; ip: string; interfaceId?: string }[] };
  };
  // what an operator of the simulated estate would configure: its LB nodes and the AWS prefixes it uses
  const lbs = (manifest.estate?.hosts ?? []).filter((h) => h.role === 'lb');
  const ipRangesFile = join(dir, 'ip-ranges.json');
  const files = listInputs([need('AWSLogs')]);
  const benign = readFileSync(need('benign-entities.txt'), 'utf8').split('\n').filter(Boolean);
  const config: DetectionConfig = defaultDetectionConfig();
  const ipRanges = existsSync(ipRangesFile) ? loadIpRanges(ipRangesFile) : undefined;
  const run = new DetectionRun(config, loadThreatIntel([need('intel.json'), ...intelFiles]), {
    mode, lbCidrs: lbs.map((h) => h.ip), lbEnis: lbs.flatMap((h) => (h.interfaceId ? [h.interfaceId] : [])),
    ...(ipRanges ? { ipRanges } : {}),
  });
  const progress = new ProgressReporter(io, 'eval', files.reduce((s, f) => s + f.bytes, 0), 'B');
  const t0 = io.now();
  const summary = await readFlowFiles(files, {
    onBatch: (batch) => run.feed(batch),
    onProgress: (b) => progress.update(b),
  });
  progress.done();
  const anomalies = run.finishNow();
  const parseErrors = Object.values(summary.counts.errors).reduce((a, b) => a + b, 0);
  if (manifest.records !== undefined && summary.counts.records !== manifest.records) {
    io.stderr.write(`warning: read ${summary.counts.records} records, the manifest says ${manifest.records}\n`);
  }
  return {
    name: dir, kind: 'simulated', pipeline: run.stages.describe(), records: summary.counts.records, parseErrors, seconds: (io.now() - t0) / 1000,
    anomalies: anomalies.length,
    report: evaluate(truth, anomalies.map(evalView), benign, { ...opts, isInternal: internalTest(config.network.internalCidrs) }),
  };
}

/** Membership in your networks (the engine's internal CIDRs). */
function internalTest(cidrs: readonly string[]): (ip: string) => boolean {
  const set = new IpSet();
  for (const c of cidrs) set.add(c);
  return (ip) => set.lookup(ip) !== null;
}

export function evalView(a: AnomalyV1) {
  return { id: a.anomalyId, detector: a.detector, actor: a.actor ?? null, targets: a.targets, start: a.firstSeen, end: a.lastSeen };
}
