import { batchFromRecords, type FlowRecord } from '@flowguard/contracts';
import { IpSetList, ThreatIntel } from '@flowguard/threat-intel';
import { defaultDetectionConfig } from '../config/detection-config';
import { T0, rec } from '../testing/flows';
import { config, contractErrors, run } from '../testing/harness';
import { SCENARIO, scenarioRecords } from '../testing/scenario';
import { DetectionEngine } from './detection.engine';

const TI = new ThreatIntel({
  torRelays: [IpSetList.parseLines(`${SCENARIO.torRelay}:9001`, { name: 'relays', kind: 'tor-relay' })],
  miningPools: [IpSetList.parseLines(SCENARIO.pool, { name: 'pools', kind: 'mining-pool' })],
  custom: [IpSetList.parseLines(`${SCENARIO.listed} test entry`, { name: 'acme', kind: 'custom' })],
});

describe('DetectionEngine', () => {
  it('finds every attack of the mixed scenario, each anomaly valid against the AnomalyV1 contract, and nothing in the background', () => {
    const r = run(scenarioRecords({ minutes: 200 }), { ti: TI, batchSize: 4096 });
    const byDetector = new Map<string, string[]>();
    for (const a of r.engine.anomalies()) byDetector.set(a.detector, [...(byDetector.get(a.detector) ?? []), `${a.actor ?? '-'}>${a.targets[0] ?? ''}`]);
    expect(byDetector.get('port-scan')).toEqual([`${SCENARIO.scanner}>${SCENARIO.scanTarget}`]);
    expect(byDetector.get('port-sweep')?.[0]).toMatch(new RegExp(`^${SCENARIO.sweeper}>`));
    expect(byDetector.get('ddos')).toEqual([`->${SCENARIO.ddosTarget}`]);
    expect(byDetector.get('brute-force')).toEqual([`${SCENARIO.bruteSource}>${SCENARIO.bruteTarget}`]);
    expect(byDetector.get('exfiltration')).toEqual([`${SCENARIO.exfiltrator}>${SCENARIO.drop}`]);
    expect(byDetector.get('crypto-mining')).toEqual([`${SCENARIO.miner}>${SCENARIO.pool}`]);
    expect(byDetector.get('tor')).toEqual([`${SCENARIO.torClient}>${SCENARIO.torRelay}`]);
    expect(byDetector.get('malicious-ip')).toEqual([`${SCENARIO.listedCaller}>${SCENARIO.listed}`]);
    expect(byDetector.get('beaconing')).toEqual(expect.arrayContaining([`${SCENARIO.beaconer}>${SCENARIO.c2}`]));
    // background clients (10.0.0.x) raise nothing
    for (const a of r.engine.anomalies()) expect(a.actor ?? '').not.toMatch(/^10\.0\.0\./);
    for (const a of [...r.emitted, ...r.engine.anomalies()]) expect(contractErrors(a)).toEqual([]);
  });

  it('learns each ENI owner when flow-direction is absent, so public addresses of our workloads count as ours', () => {
    // a host with a public address (no internal CIDR matches): its ENI's records all carry it
    const host = '147.32.83.234';
    const recs: FlowRecord[] = [];
    for (let k = 0; k < 30; k++) recs.push(rec({ srcAddr: host, dstAddr: `203.0.113.${k + 1}`, srcPort: 40000 + k, dstPort: 22, packets: 2, bytes: 120, start: T0 + k, interfaceId: 'eni-0pub' }));
    const r = run(recs);
    expect(r.engine.stats().directionInferred).toBe(29);
    expect(r.of('port-sweep')[0]).toMatchObject({ actor: host, mitre: ['T1046'], severity: 'high' });
    // with inference off, the same host is an outsider
    const off = run(recs, { config: config((c) => (c.network.inferEniOwner = false)) });
    expect(off.of('port-sweep')[0]).toMatchObject({ mitre: ['T1595.001'] });
  });

  it('uses the flow-direction field when present', () => {
    const recs = Array.from({ length: 30 }, (_, k) => rec({ srcAddr: '147.32.83.234', dstAddr: `203.0.113.${k + 1}`, srcPort: 40000 + k, dstPort: 22, packets: 2, bytes: 120, start: T0 + k, flowDirection: 'egress', interfaceId: `eni-${k}` }));
    expect(run(recs).of('port-sweep')[0]?.mitre).toEqual(['T1046']);
  });

  it('emits findings only when the watermark passes their windows, and everything on flush', () => {
    const engine = new DetectionEngine(defaultDetectionConfig(), { now: () => 0 });
    const probes = Array.from({ length: 30 }, (_, k) => rec({ srcAddr: '10.0.5.5', dstAddr: '10.0.1.10', srcPort: 51000, dstPort: 100 + k, packets: 1, bytes: 44, start: T0 + k }));
    expect(engine.process(batchFromRecords(probes))).toHaveLength(0);
    expect(engine.stats().watermark).toBe(T0 + 29 - 300);
    const later = engine.process(batchFromRecords([rec({ srcAddr: '10.0.7.7', dstAddr: '10.0.8.8', start: T0 + 400 })]));
    expect(later.map((a) => a.detector)).toEqual(['port-scan']);
    // the slow windows close on flush and only extend the same anomaly (no escalation: not re-emitted)
    expect(engine.flush().map((a) => a.detector)).not.toContain('port-scan');
    expect(engine.anomalies().filter((a) => a.detector === 'port-scan')).toHaveLength(1);
  });

  it('keeps state bounded: a full table refuses new keys and counts the evictions', () => {
    const cfg = config((c) => (c.state.maxEntriesPerTable = 10));
    const recs = Array.from({ length: 50 }, (_, k) => rec({ srcAddr: `10.0.3.${k}`, dstAddr: '10.0.1.10', srcPort: 40000, dstPort: 100 + k, packets: 1, bytes: 44, start: T0 + k }));
    const r = run(recs, { config: cfg });
    expect(r.engine.stats().evictions['port-scan']).toBeGreaterThan(0);
  });

  it('runs only the detectors of its role', () => {
    const src = new DetectionEngine({ ...defaultDetectionConfig(), role: 'src' });
    const dst = new DetectionEngine({ ...defaultDetectionConfig(), role: 'dst' });
    expect(Object.keys(src.stats().state)).not.toContain('ddos');
    expect(Object.keys(dst.stats().state).sort()).toEqual(['beaconing', 'brute-force/target', 'ddos']);
  });

  it('runs only the named detectors (or all but them) when asked: two such engines split the work of one', () => {
    const names = Object.keys(new DetectionEngine(defaultDetectionConfig()).stats().state);
    const only = new DetectionEngine(defaultDetectionConfig(), { detectors: { only: ['ddos', 'exfiltration'] } });
    const except = new DetectionEngine(defaultDetectionConfig(), { detectors: { except: ['ddos', 'exfiltration'] } });
    expect(Object.keys(only.stats().state).sort()).toEqual(['ddos', 'exfiltration']);
    expect([...Object.keys(except.stats().state), 'ddos', 'exfiltration'].sort()).toEqual([...names].sort());
  });

  it('analyses a subset of rows exactly as the same rows copied into a batch of their own', () => {
    const recs = scenarioRecords({ minutes: 60 });
    const keep: number[] = [];
    for (let i = 0; i < recs.length; i++) if (i % 7 !== 3) keep.push(i);
    const now = () => 1_800_000_000_000;
    const copied = new DetectionEngine(defaultDetectionConfig(), { threatIntel: TI, now });
    const subset = new DetectionEngine(defaultDetectionConfig(), { threatIntel: TI, now });
    const out = (a: ReturnType<DetectionEngine['process']>) => a.map((x) => JSON.stringify(x));
    const got: string[] = [];
    const want: string[] = [];
    for (let from = 0; from < recs.length; from += 5000) {
      const batch = batchFromRecords(recs.slice(from, from + 5000));
      const rows = keep.filter((i) => i >= from && i < from + 5000).map((i) => i - from);
      want.push(...out(copied.process(batch.select(rows))));
      got.push(...out(subset.process(batch, Uint32Array.from(rows))));
    }
    want.push(...out(copied.flush()));
    got.push(...out(subset.flush()));
    expect(want.length).toBeGreaterThan(3);
    expect(got).toEqual(want);
    expect(subset.stats().records).toBe(keep.length);
  });
});
