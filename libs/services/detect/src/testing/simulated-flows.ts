/**
 * Test and bench support: seeded simulator traffic (the @flowguard/simulator
 * estate) with the attacks the scale checks need — port scans, a sweep, a
 * flood from many sources, beaconing, brute force — as FlowBatches in
 * delivery order.
 */
import type { FlowBatch } from '@flowguard/contracts';
import { BatchFlowSink, Simulation } from '@flowguard/simulator';

export const SCALE_ATTACKS = [
  'port-scan:fast-inbound', 'port-scan:internal', 'port-sweep:internal', 'ddos:many-source', 'beaconing:https-60s', 'brute-force:ssh-inbound',
];

export function simulatedFlows(o: { seed?: string; records: number; hours: number; batchRows?: number; attacks?: string[] }): FlowBatch[] {
  const sim = new Simulation({ seed: o.seed ?? 'detect-scale', records: o.records, hours: o.hours, format: 'v2', attacks: o.attacks ?? SCALE_ATTACKS });
  const batches: FlowBatch[] = [];
  const sink = new BatchFlowSink(sim.estate, 'v2', o.batchRows ?? 4096, (b) => batches.push(b));
  sim.run(sink);
  sink.flush();
  return batches;
}
