import { performance } from 'node:perf_hooks';
import { decodeFlowBatch, encodeFlowBatch, type FlowBatch } from '@flowguard/contracts';
import { DetectionEngine, Repartitioner, defaultDetectionConfig } from '@flowguard/detection';
import { ThreatIntel } from '@flowguard/threat-intel';
import { listInputs, readFlowFiles } from '../../apps/flowguard/src/cli/flow-input';
import { IngestStages } from '../../apps/flowguard/src/cli/ingest.stages';
import { loadThreatIntel } from '../../apps/flowguard/src/cli/threat-intel.loader';

async function main() {
  const dir = process.argv[2] as string;
  const intel = loadThreatIntel([`${dir}/intel.json`]);
  void ThreatIntel;
  const stages = new IngestStages({ mode: 'full', threatIntel: intel });
  const batches: FlowBatch[] = [];
  let t = performance.now();
  await readFlowFiles(listInputs([`${dir}/AWSLogs`]), { onBatch: (b) => { batches.push(b); } });
  console.log('parse', ((performance.now() - t) / 1000).toFixed(2));
  t = performance.now();
  const det = batches.map((b) => stages.apply(b));
  console.log('stages', ((performance.now() - t) / 1000).toFixed(2), 'batches', det.length, 'avg rows', Math.round(det.reduce((s, b) => s + b.length, 0) / det.length));
  t = performance.now();
  const rep = new Repartitioner({ buckets: 1 });
  const split = det.map((b) => rep.split(b).bySrc[0] as FlowBatch);
  console.log('repartition(1)', ((performance.now() - t) / 1000).toFixed(2));
  t = performance.now();
  let bytes = 0;
  const enc = split.map((b) => { const e = encodeFlowBatch(b); bytes += e.length; return e; });
  console.log('encode', ((performance.now() - t) / 1000).toFixed(2), 'MB', (bytes / 1e6).toFixed(0));
  t = performance.now();
  for (const e of enc) decodeFlowBatch(e);
  console.log('decode', ((performance.now() - t) / 1000).toFixed(2));
  t = performance.now();
  for (const b of split) structuredClone({ a: b.srcAddr.subarray(0, b.length), s: b.strings.values, st: b.start.subarray(0, b.length), p: b.packets.subarray(0, b.length), by: b.bytes.subarray(0, b.length) });
  console.log('structuredClone (5 cols+strings)', ((performance.now() - t) / 1000).toFixed(2));
  for (const role of ['all', 'src', 'dst'] as const) {
    const cfg = defaultDetectionConfig();
    cfg.role = role;
    const e = new DetectionEngine(cfg, { threatIntel: intel });
    const input = role === 'all' ? det : split;
    t = performance.now();
    let n = 0;
    for (const b of input) n += e.process(b).length;
    n += e.flush().length;
    console.log('engine', role, ((performance.now() - t) / 1000).toFixed(2), 'emitted', n);
  }
}
void main();
