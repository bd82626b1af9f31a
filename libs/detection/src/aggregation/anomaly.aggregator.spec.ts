/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { AnomalyV1, FlowRecord } from '@flowguard/contracts';
import { T0, rec } from '../testing/flows';
import { batchFromRecords } from '@flowguard/contracts';
import { DetectionEngine } from '../engine/detection.engine';
import { config, run } from '../testing/harness';

const SCANNER = '10.0.5.5';
const TARGET = '10.0.1.10';

/** a scan of `perMinute` new ports per minute for `minutes` */
function ongoingScan(perMinute: number, minutes: number, startMin = 0): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let m = startMin; m < startMin + minutes; m++) {
    for (let k = 0; k < perMinute; k++) {
      out.push(rec({ srcAddr: SCANNER, dstAddr: TARGET, srcPort: 51000, dstPort: 1 + ((m * perMinute + k) % 60000), packets: 1, bytes: 44, action: 'REJECT', start: T0 + m * 60 + Math.floor((k * 60) / perMinute) }));
    }
  }
  return out;
}

const strip = (as: AnomalyV1[]) => as.map(({ updatedAt: _u, ...rest }) => rest).sort((a, b) => a.anomalyId.localeCompare(b.anomalyId));

describe('aggregation', () => {
  it('keeps one anomaly per ongoing episode, re-emitting only on a new decade of magnitude', () => {
    const r = run(ongoingScan(30, 20), { config: config((c) => (c.aggregation.heartbeatSec = 0)) });
    const ids = new Set(r.emitted.filter((a) => a.detector === 'port-scan').map((a) => a.anomalyId));
    expect(ids.size).toBe(1);
    const counters = r.engine.stats().findings['port-scan']!;
    expect(counters.created).toBe(1);
    expect(counters.candidates).toBeGreaterThan(20);
    // first sight, then escalation only: a window reaching a new decade of distinct ports (the slow
    // window sees hundreds) and a severity rise; never once per window
    expect(counters.emitted).toBeGreaterThanOrEqual(2);
    expect(counters.emitted).toBeLessThanOrEqual(3);
    expect(counters.emitted * 10).toBeLessThan(counters.candidates);
    const state = r.engine.anomalies().find((a) => a.detector === 'port-scan')!;
    expect(state.occurrences).toBe(counters.candidates);
    expect(state.lastSeen - state.firstSeen).toBeGreaterThan(19 * 60);
  });

  it('re-emits an ongoing episode on the heartbeat', () => {
    const quiet = run(ongoingScan(30, 20), { config: config((c) => (c.aggregation.heartbeatSec = 0)) }).engine.stats().findings['port-scan']!.emitted;
    const beat = run(ongoingScan(30, 20), { config: config((c) => (c.aggregation.heartbeatSec = 300)) }).engine.stats().findings['port-scan']!.emitted;
    expect(beat).toBeGreaterThan(quiet);
  });

  it('starts a new episode (new id) after a quiet gap longer than episodeGapSec', () => {
    const recs = [...ongoingScan(30, 3), ...ongoingScan(30, 3, 120)];
    const ids = new Set(run(recs).emitted.filter((a) => a.detector === 'port-scan').map((a) => a.anomalyId));
    expect(ids.size).toBe(2);
  });

  it('gives the same ids and the same final anomalies when the same flows are processed again, in any batching', () => {
    const recs = ongoingScan(30, 10);
    const a = run(recs, { batchSize: 100 });
    const b = run(recs, { batchSize: 7 });
    const c = run(recs);
    expect(strip(a.latest)).toEqual(strip(b.latest));
    expect(strip(a.engine.anomalies())).toEqual(strip(c.engine.anomalies()));
    expect(a.latest[0]!.anomalyId).toMatch(/^port-scan\.[0-9a-f]{16}\.\d+$/);
  });
});

describe('suppression', () => {
  const rule = { id: 'pentest-2026', owner: 'secops@example.com', reason: 'scheduled pen test', detectors: ['port-scan' as const], cidrs: ['10.0.5.0/24'] };

  it('still emits a suppressed anomaly, marked and counted', () => {
    const r = run(ongoingScan(30, 2), { config: config((c) => (c.suppressions = [rule])) });
    const a = r.of('port-scan')[0]!;
    expect(a).toMatchObject({ status: 'suppressed', suppressedBy: 'pentest-2026' });
    expect(r.engine.stats().findings['port-scan']!.suppressed).toBeGreaterThan(0);
  });

  it('stops applying after its expiry and only within its scope', () => {
    const expired = run(ongoingScan(30, 2), { config: config((c) => (c.suppressions = [{ ...rule, expiresAt: '2020-01-01T00:00:00Z' }])) });
    expect(expired.of('port-scan')[0]!.status).toBe('open');
    const otherNet = run(ongoingScan(30, 2), { config: config((c) => (c.suppressions = [{ ...rule, cidrs: ['192.168.0.0/16'] }])) });
    expect(otherNet.of('port-scan')[0]!.status).toBe('open');
    const byPort = run(ongoingScan(30, 2), { config: config((c) => (c.suppressions = [{ id: 'p', owner: 'o', reason: 'r', ports: [5] }])) });
    expect(byPort.of('port-scan')[0]!.status).toBe('suppressed');
    const byEni = run(ongoingScan(30, 2), { config: config((c) => (c.suppressions = [{ id: 'e', owner: 'o', reason: 'r', interfaceIds: ['eni-0test'], accountIds: ['123456789012'] }])) });
    expect(byEni.of('port-scan')[0]!.status).toBe('suppressed');
  });
});

describe('rules replaced while running (a configuration reload)', () => {
  it('suppresses an ongoing anomaly from its next emission, keeping its windows and its id', () => {
    const engine = new DetectionEngine(config((c) => (c.aggregation.heartbeatSec = 0)), { now: () => 1_700_000_000_000 });
    // 20 minutes at 30 ports a minute: the early windows close and the anomaly is emitted, open
    const before = engine.process(batchFromRecords(ongoingScan(30, 20))).filter((a) => a.detector === 'port-scan');
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((a) => a.status === 'open')).toBe(true);
    engine.updateRules({ suppressions: [{ id: 'pentest', owner: 'secops', reason: 'pen test', detectors: ['port-scan'], cidrs: ['10.0.5.0/24'] }], allowList: [] });
    // the scan goes on at ten times the rate: a new decade of magnitude, so the same anomaly is emitted again, now suppressed
    const after = [...engine.process(batchFromRecords(ongoingScan(300, 10, 20))), ...engine.flush()].filter((a) => a.detector === 'port-scan');
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((a) => a.status === 'suppressed' && a.suppressedBy === 'pentest')).toBe(true);
    expect(after.map((a) => a.anomalyId)).toContain(before[0]?.anomalyId);
  });

  it('drops rows of a newly allowed source from the next batch, and keeps the hits of entries that stay', () => {
    const entry = { id: 'scanner', owner: 'platform', reason: 'vulnerability scanner', cidr: '10.0.5.5/32', side: 'source' as const };
    const engine = new DetectionEngine(config(), { now: () => 1_700_000_000_000 });
    engine.process(batchFromRecords(ongoingScan(10, 1)));
    expect(engine.stats().allowListed).toBe(0);
    engine.updateRules({ suppressions: [], allowList: [entry] });
    engine.process(batchFromRecords(ongoingScan(10, 1, 1)));
    expect(engine.stats()).toMatchObject({ allowListed: 10, allowListedByEntry: { scanner: 10 } });
    engine.updateRules({ suppressions: [], allowList: [entry, { ...entry, id: 'other', cidr: '192.0.2.0/24' }] });
    engine.process(batchFromRecords(ongoingScan(10, 1, 2)));
    expect(engine.stats()).toMatchObject({ allowListed: 20, allowListedByEntry: { scanner: 20 } });
  });
});

describe('dry-run mode', () => {
  it('runs the detector and counts its findings without emitting them', () => {
    const r = run(ongoingScan(30, 2), { config: config((c) => (c.detectors['port-scan'].mode = 'dry-run')) });
    expect(r.of('port-scan')).toHaveLength(0);
    expect(r.engine.stats().findings['port-scan']!.dryRun).toBeGreaterThan(0);
    expect(r.engine.dryRunFindings()[0]).toMatchObject({ detector: 'port-scan', actor: SCANNER });
  });
});

describe('allow list', () => {
  const base = { owner: 'platform', reason: 'vulnerability scanner' };

  it('drops flows of an allowed source from every detector and counts them per entry', () => {
    const r = run(ongoingScan(30, 2), { config: config((c) => (c.allowList = [{ ...base, id: 'scanner', cidr: '10.0.5.5/32', side: 'source' }])) });
    expect(r.latest).toHaveLength(0);
    expect(r.engine.stats()).toMatchObject({ allowListed: 60, flows: 0, allowListedByEntry: { scanner: 60 } });
  });

  it('matches a destination service with its port, including the answers (reverse records)', () => {
    const service = { ...base, id: 'lb-health', cidr: '10.0.1.10', side: 'destination' as const, ports: [443], includeReverse: true };
    const recs = [
      rec({ srcAddr: '10.0.2.2', dstAddr: '10.0.1.10', srcPort: 40000, dstPort: 443 }),
      rec({ srcAddr: '10.0.1.10', dstAddr: '10.0.2.2', srcPort: 443, dstPort: 40000 }),
      rec({ srcAddr: '10.0.2.2', dstAddr: '10.0.1.10', srcPort: 40001, dstPort: 22 }),
    ];
    const r = run(recs, { config: config((c) => (c.allowList = [service])) });
    expect(r.engine.stats()).toMatchObject({ allowListed: 2, flows: 1 });
    const noReverse = run(recs, { config: config((c) => (c.allowList = [{ ...service, includeReverse: false }])) });
    expect(noReverse.engine.stats()).toMatchObject({ allowListed: 1, flows: 2 });
  });

  it('stops applying after its expiry', () => {
    const r = run(ongoingScan(30, 2), { config: config((c) => (c.allowList = [{ ...base, id: 'old', cidr: '10.0.5.0/24', side: 'either', expiresAt: '2020-01-01T00:00:00Z' }])) });
    expect(r.of('port-scan')).toHaveLength(1);
    expect(r.engine.stats()).toMatchObject({ allowListed: 0, allowListExpired: 1 });
  });
});
