/**
 * The sliding fan-out (hop panes + one value table) against a naive reference: for random slow
 * scanners over 40 hours, every 24 h window hopping by 2 h is counted from the raw probes, and the
 * day tier must report exactly the (scanner, target) pairs some window puts at ≥ 10 distinct ports,
 * with counts no window exceeds (and the largest for an episode still held).
 */
import type { FlowRecord } from '@flowguard/contracts';
import { seededRandom } from '@flowguard/util';
import { T0, rec } from '../testing/flows';
import { run } from '../testing/harness';

const HOUR = 3600;
const DAY0 = T0 - (T0 % 86400);

function scenario(seed: number): FlowRecord[] {
  const r = seededRandom(seed);
  const out: FlowRecord[] = [];
  for (let s = 0; s < 12; s++) {
    const src = `203.0.113.${10 + s}`;
    const dst = `10.0.1.${1 + (s % 4)}`;
    // 4–30 probes spread over 1–40 hours from a random start; ports drawn from a small range so repeats happen
    const n = 4 + Math.floor(r() * 27);
    const span = (1 + Math.floor(r() * 40)) * HOUR;
    const begin = DAY0 + Math.floor(r() * 10 * HOUR);
    const ports = 5 + Math.floor(r() * 25);
    for (let k = 0; k < n; k++) {
      const t = begin + Math.floor(r() * span);
      out.push(rec({ srcAddr: src, dstAddr: dst, srcPort: 40000 + k, dstPort: 1000 + Math.floor(r() * ports), packets: 1, bytes: 44, start: t, end: t, action: 'REJECT' }));
    }
  }
  return out.sort((a, b) => (a.start as number) - (b.start as number));
}

/** max over 24 h windows (starts on 2 h boundaries) of distinct ports per source>target */
function reference(records: FlowRecord[]): Map<string, number> {
  const best = new Map<string, number>();
  const first = Math.min(...records.map((x) => x.start as number));
  const last = Math.max(...records.map((x) => x.start as number));
  for (let ws = first - (first % (2 * HOUR)) - 22 * HOUR; ws <= last; ws += 2 * HOUR) {
    const sets = new Map<string, Set<number>>();
    for (const x of records) {
      const t = x.start as number;
      if (t < ws || t >= ws + 24 * HOUR) continue;
      const key = `${x.srcAddr}>${x.dstAddr}`;
      if (!sets.has(key)) sets.set(key, new Set());
      sets.get(key)?.add(x.dstPort as number);
    }
    for (const [k, v] of sets) if (v.size >= 10 && v.size > (best.get(k) ?? 0)) best.set(k, v.size);
  }
  return best;
}

describe('sliding fan-out (day tier) against a naive window count', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8].flatMap((seed) => [[seed, 7], [seed, 100_000]]))('reports exactly the pairs and counts of the reference (seed %i, batches of %i rows)', (seed, batchSize) => {
    const records = scenario(seed);
    const expected = reference(records);
    // small batches close windows between them as a live stream does; one batch is ingested in time
    // slices, so rows later than a window are already in the value table when it closes
    const r = run(records, { batchSize });
    const count = (a: { signals: { name: string; value: number }[] }) => a.signals.find((x) => x.name === 'distinctPorts')?.value ?? 0;
    const key = (a: { actor: string | null; targets: string[] }) => `${a.actor}>${a.targets[0]}`;
    const emitted = r.of('port-scan');
    expect(new Set(emitted.map(key))).toEqual(new Set(expected.keys()));
    // an emission carries the window that fired (emissions happen on escalation), so between 10 and the best window
    for (const a of emitted) {
      expect(count(a)).toBeGreaterThanOrEqual(10);
      expect(count(a)).toBeLessThanOrEqual(expected.get(key(a)) as number);
    }
    // an episode still held explains itself by its strongest window: the reference's maximum
    for (const a of r.engine.anomalies().filter((x) => x.detector === 'port-scan')) expect(count(a)).toBe(expected.get(key(a)));
  });
});
