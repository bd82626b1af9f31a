import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { defaultDetectionConfig } from '@flowguard/detection';
import { BatchFlowSink, Simulation } from '@flowguard/simulator';
import { type AnalyzeRun, DetectionRun } from './detection.runner';
import { toFindingLine } from './findings.format';
import { type LaneFactory, inProcessLane } from './lane.transport';
import { loadThreatIntel } from './threat-intel.loader';
import { ThreadedDetectionRun } from './threaded-detection.runner';

/** Seeded simulator traffic with every attack of the catalogue, as the parser would deliver it (fresh each call: runs mutate batches). */
function simulated(records: number, hours: number, attacks = ['all'], batchRows = 8192): { batches: FlowBatch[]; intel: unknown } {
  const sim = new Simulation({ seed: 'threads', records, hours, format: 'v2', attacks });
  const batches: FlowBatch[] = [];
  const sink = new BatchFlowSink(sim.estate, 'v2', batchRows, (b) => batches.push(b));
  sim.run(sink);
  sink.flush();
  return { batches, intel: sim.estate.intel };
}

async function analyze(run: AnalyzeRun, batches: FlowBatch[]): Promise<string[]> {
  try {
    for (const b of batches) await run.feed(b);
    return (await run.finish()).map((a: AnomalyV1) => JSON.stringify(toFindingLine(a)));
  } finally {
    await run.close();
  }
}

// The lanes run in-process here (same messages, structured clone with transfer); cli.spec.ts runs
// `analyze --threads 2` with real worker threads and compares its output with `--threads 1`.
describe('threaded analyze (two lanes, each a share of the detectors) = single-threaded analyze', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-threads-'));
  const intelFile = join(dir, 'intel.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const runBoth = async (records: number, hours: number, attacks: string[], lanes = inProcessLane) => {
    const first = simulated(records, hours, attacks);
    writeFileSync(intelFile, JSON.stringify(first.intel));
    const intel = loadThreatIntel([intelFile]);
    // v2 without internal CIDRs of the estate: directions come from learned ENI owners
    const single = await analyze(new DetectionRun(defaultDetectionConfig(), intel), first.batches);
    const threaded = new ThreadedDetectionRun(defaultDetectionConfig(), intel, [intelFile], { mode: 'full' }, lanes);
    const two = await analyze(threaded, simulated(records, hours, attacks).batches);
    return { single, two, threaded };
  };

  it('finds exactly the same findings, in the same order, on a sample with every attack type', async () => {
    const { single, two, threaded } = await runBoth(180_000, 2, ['all']);
    const detectors = new Set(single.map((l) => (JSON.parse(l) as { detector: string }).detector));
    expect(detectors.size).toBeGreaterThanOrEqual(9);
    expect(single.length).toBeGreaterThan(20);
    expect(two).toEqual(single);
    const t = threaded.totals();
    expect(t.first?.flows).toBe(t.second?.flows);
    expect(t.first?.flows).toBeGreaterThan(150_000);
  }, 60_000);

  it('reports a lane that failed as an error instead of hanging, and stops reading', async () => {
    const { batches } = simulated(60_000, 2, ['port-scan:fast-inbound'], 1000);
    let posted = 0;
    const failing: LaneFactory = (init) => {
      const lane = inProcessLane(init);
      let onError: (e: Error) => void = () => undefined;
      return {
        ...lane,
        listen(m, e) {
          onError = e;
          lane.listen(m, e);
        },
        post(message, transfer) {
          if (init.role === 'second' && ++posted === 3) setImmediate(() => onError(new Error('worker exited with code 1')));
          else lane.post(message, transfer);
        },
      };
    };
    const run = new ThreadedDetectionRun(defaultDetectionConfig(), loadThreatIntel([]), [], { mode: 'full' }, failing);
    await expect(analyze(run, batches)).rejects.toThrow('worker exited with code 1');
    expect(run.records).toBeLessThan(batches.reduce((n, b) => n + b.length, 0));
  });
});
