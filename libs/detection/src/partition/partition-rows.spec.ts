import type { AnomalyV1, FlowBatch } from '@flowguard/contracts';
import { IpSetList, ThreatIntel } from '@flowguard/threat-intel';
import { defaultDetectionConfig, type DetectionConfig } from '../config/detection-config';
import { DetectionEngine } from '../engine/detection.engine';
import { chunks } from '../testing/flows';
import { SCENARIO, scenarioBatch } from '../testing/scenario';
import { Repartitioner, bucketOf, partitionRows } from './partition-rows';

const TI = new ThreatIntel({
  torRelays: [IpSetList.parseLines(`${SCENARIO.torRelay}:9001`, { name: 'relays', kind: 'tor-relay' })],
  miningPools: [IpSetList.parseLines(SCENARIO.pool, { name: 'pools', kind: 'mining-pool' })],
  custom: [IpSetList.parseLines(`${SCENARIO.listed} test entry`, { name: 'acme', kind: 'custom' })],
});

/** the last emitted version of every anomaly, without the wall-clock stamp */
function finalFindings(emitted: AnomalyV1[]): Array<Omit<AnomalyV1, 'updatedAt'>> {
  const last = new Map<string, AnomalyV1>();
  for (const a of emitted) last.set(a.anomalyId, a);
  return [...last.values()].map(({ updatedAt: _u, ...rest }) => rest).sort((a, b) => a.anomalyId.localeCompare(b.anomalyId));
}

describe('partitionRows', () => {
  it('routes every row to exactly one bucket by the hash of its source (or destination) address, keeping order', () => {
    const batch = scenarioBatch({ minutes: 5, clients: 10 });
    for (const by of ['src', 'dst'] as const) {
      const parts = partitionRows(batch, by, 3);
      expect(parts.reduce((n, p) => n + p.length, 0)).toBe(batch.length);
      parts.forEach((p, b) => {
        for (let i = 0; i < p.length; i++) expect(bucketOf(by === 'src' ? p.src(i) : p.dst(i), 3)).toBe(b);
        for (let i = 1; i < p.length; i++) expect(p.start[i]).toBeGreaterThanOrEqual(p.start[i - 1] as number);
      });
    }
    expect(() => partitionRows(batch, 'src', 0)).toThrow(RangeError);
  });

  it.each([
    ['internal CIDRs', true],
    ['no internal CIDRs: locality from learned ENI owners only', false],
  ])('1 engine and 3+3 partitioned engines (source- and destination-keyed) produce exactly the same findings (%s)', (_label, cidrs) => {
    const batches = chunks(scenarioBatch({ minutes: 75, clients: 12 }), 2000);
    const cfg = (role: DetectionConfig['role']): DetectionConfig => {
      const c = { ...defaultDetectionConfig(), role };
      if (!cidrs) c.network = { ...c.network, internalCidrs: [] };
      return c;
    };
    const now = () => 1_700_000_000_000;

    const single = new DetectionEngine(cfg('all'), { threatIntel: TI, now });
    const one: AnomalyV1[] = [];
    for (const b of batches) one.push(...single.process(b));
    one.push(...single.flush());

    const router = new Repartitioner({ buckets: 3 });
    const srcEngines = [0, 1, 2].map(() => new DetectionEngine(cfg('src'), { threatIntel: TI, now }));
    const dstEngines = [0, 1, 2].map(() => new DetectionEngine(cfg('dst'), { threatIntel: TI, now }));
    const many: AnomalyV1[] = [];
    const feed = (engines: DetectionEngine[], parts: FlowBatch[]) => parts.forEach((p, i) => many.push(...(engines[i] as DetectionEngine).process(p)));
    for (const b of batches) {
      const { bySrc, byDst } = router.split(b);
      feed(srcEngines, bySrc);
      feed(dstEngines, byDst);
    }
    for (const e of [...srcEngines, ...dstEngines]) many.push(...e.flush());

    const expected = finalFindings(one);
    expect(expected.length).toBeGreaterThan(cidrs ? 8 : 5);
    const detectors = new Set(expected.map((a) => a.detector));
    if (cidrs) {
      expect(detectors).toEqual(new Set(['port-scan', 'port-sweep', 'ddos', 'beaconing', 'brute-force', 'exfiltration', 'crypto-mining', 'tor', 'malicious-ip', 'long-connection']));
    } else {
      // hosts that only ever talk to one peer cannot have their ENI owner learned (exfiltrator, miner)
      expect(detectors.size).toBeGreaterThanOrEqual(5);
      expect(router.inferred).toBeGreaterThan(0);
    }
    expect(finalFindings(many)).toEqual(expected);
    // the work really was split: every source engine saw flows
    for (const e of srcEngines) expect(e.stats().flows).toBeGreaterThan(0);
  });
});

describe('Repartitioner.markDirections (one source- and one destination-keyed engine, no split)', () => {
  it('writes the learned side in place, and the two role engines find what one engine finds', () => {
    const batches = chunks(scenarioBatch({ minutes: 75, clients: 12 }), 2000);
    const cfg = (role: DetectionConfig['role']): DetectionConfig => ({
      ...defaultDetectionConfig(), role, network: { ...defaultDetectionConfig().network, internalCidrs: [] },
    });
    const now = () => 1_700_000_000_000;
    const single = new DetectionEngine(cfg('all'), { threatIntel: TI, now });
    const one: AnomalyV1[] = [];
    for (const b of batches) one.push(...single.process(b));
    one.push(...single.flush());

    const router = new Repartitioner({ buckets: 1 });
    const src = new DetectionEngine(cfg('src'), { threatIntel: TI, now });
    const dst = new DetectionEngine(cfg('dst'), { threatIntel: TI, now });
    const two: AnomalyV1[] = [];
    let learned = 0;
    for (const b of batches) {
      learned += router.markDirections(b);
      two.push(...src.process(b), ...dst.process(b));
    }
    two.push(...src.flush(), ...dst.flush());
    expect(learned).toBeGreaterThan(0);
    expect(learned).toBe(router.inferred);
    expect(finalFindings(one).length).toBeGreaterThan(5);
    expect(finalFindings(two)).toEqual(finalFindings(one));
  });
});
