/**
 * Detection engine alone on simulated flow-log files: the files are stream-parsed once, before
 * timing, into batches of 8,192 rows with a string table each (what `flowguard analyze` hands the
 * engine), then a fresh DetectionEngine runs over all of them per configuration: no detector
 * (prepare, address registration, watermark), each detector alone, all detectors (twice: the first
 * run also pays JIT warm-up, as a CLI run does). CPU time of this process; no ingest stages
 * (threat-intel marks, AWS-service filter), so a few more rows reach the engine than in analyze.
 * Complements detection.bench.ts (dense synthetic traffic, one shared string table) with the
 * sparse, per-batch-table shape of real files.
 *
 *   node --expose-gc -r ts-node/register -r tsconfig-paths/register bench/detection/engine-files.bench.ts DIR [all]
 *   (TS_NODE_PROJECT=tsconfig.runtime.json; DIR e.g. bench/out/analyze/10000000-1, whose files
 *   bench/analyze generates; `all` skips the per-detector runs)
 */
import { readFileSync } from 'node:fs';
import type { FlowBatch } from '@flowguard/contracts';
import { DETECTOR_IDS, DetectionEngine, defaultDetectionConfig, type DetectorId } from '@flowguard/detection';
import { FlowLogParser } from '@flowguard/flowlog';
import { simulationIntel, simulationLogFiles } from '../common/simulation-files';

const dir = process.argv[2] ?? 'bench/out/analyze/1000000-1';
const allOnly = process.argv[3] === 'all';

const batches: FlowBatch[] = [];
for (const f of simulationLogFiles(dir)) {
  const parser = new FlowLogParser({ source: f });
  for (const r of [...parser.push(readFileSync(f)), parser.end()]) if (r.batch.length > 0) batches.push(r.batch);
}
const rows = batches.reduce((s, b) => s + b.length, 0);
const ti = simulationIntel(dir);

function run(label: string, ids: DetectorId[] | null): void {
  const cfg = defaultDetectionConfig();
  for (const id of DETECTOR_IDS) cfg.detectors[id].enabled = ids === null || ids.includes(id);
  const engine = new DetectionEngine(cfg, { threatIntel: ti });
  (globalThis as { gc?: () => void }).gc?.();
  const cpu0 = process.cpuUsage();
  let findings = 0;
  for (const b of batches) findings += engine.process(b).length;
  findings += engine.flush().length;
  const c = process.cpuUsage(cpu0);
  const ms = (c.user + c.system) / 1000;
  console.log(`${label.padEnd(18)} ${ms.toFixed(0).padStart(7)} ms cpu ${Math.round(rows / (ms / 1000)).toLocaleString('en-US').padStart(11)} rec/s  ${(ms * 1e6 / rows).toFixed(0).padStart(5)} ns/record  findings ${findings}`);
}

console.log(`engine on files: ${rows.toLocaleString('en-US')} records in ${batches.length} batches from ${dir}, node ${process.version}`);
run('all (cold)', null);
if (!allOnly) {
  run('none', []);
  for (const id of DETECTOR_IDS) run(id, [id]);
}
run('all (warm)', null);
