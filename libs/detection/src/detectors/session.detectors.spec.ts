/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
/** long-connection, crypto-mining, tor, exfiltration, unusual-port, malicious-ip, telemetry-gap */
import type { FlowRecord } from '@flowguard/contracts';
import { IpSetList, ThreatIntel } from '@flowguard/threat-intel';
import { T0, pair, rec } from '../testing/flows';
import { config, run } from '../testing/harness';

const HOST = '10.0.9.33';

/** a persistent connection: one record per minute for `minutes` */
function persistent(dst: string, dport: number, minutes: number, bytesPerMin: number, sport = 45000, src = HOST): FlowRecord[] {
  return Array.from({ length: minutes }, (_, m) => rec({ srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, packets: 6, bytes: bytesPerMin, start: T0 + m * 60, end: T0 + m * 60 + 58 }));
}

const TI = new ThreatIntel({
  torExits: [IpSetList.fromTorBulkExitList('192.0.2.91')],
  torRelays: [IpSetList.parseLines('192.0.2.90:9001', { name: 'relays', kind: 'tor-relay' })],
  miningPools: [IpSetList.parseLines('192.0.2.33', { name: 'pools', kind: 'mining-pool' })],
  custom: [IpSetList.parseLines('192.0.2.66 known C2', { name: 'acme', kind: 'custom' })],
});

describe('long-connection', () => {
  it('reports an outbound connection once per RITA duration bucket, as one episode', () => {
    const r = run(persistent('198.51.100.10', 9999, 300, 500));
    const state = r.engine.anomalies().filter((a) => a.detector === 'long-connection');
    expect(state).toHaveLength(1);
    expect(state[0]).toMatchObject({ actor: HOST, targets: ['198.51.100.10'], ports: [9999], severity: 'info', mitre: ['T1071', 'T1571'] });
    expect(r.emitted.filter((a) => a.detector === 'long-connection')).toHaveLength(2); // 1 h and 4 h
  });

  it('does not join sessions across an idle gap, and ignores inbound connections by default', () => {
    const twoHalves = [...persistent('198.51.100.10', 9999, 50, 500), ...persistent('198.51.100.10', 9999, 50, 500).map((x) => ({ ...x, start: (x.start as number) + 4000, end: (x.end as number) + 4000 }))];
    expect(run(twoHalves).of('long-connection')).toHaveLength(0);
    const inbound = persistent('10.0.1.5', 22, 100, 500, 45000, '198.51.100.10');
    expect(run(inbound).of('long-connection')).toHaveLength(0);
  });
});

describe('crypto-mining', () => {
  it('flags traffic to a listed pool address with high confidence (T1496)', () => {
    const a = run(persistent('192.0.2.33', 443, 3, 900), { ti: TI }).of('crypto-mining');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: HOST, targets: ['192.0.2.33'], confidence: 0.9, severity: 'high', mitre: ['T1496', 'T1496.001'] });
  });

  it('rates a steady low-byte session on a pool port low, and a pool port alone informational (ports are weak evidence)', () => {
    const steady = run(persistent('198.51.100.77', 3333, 20, 1200)).of('crypto-mining');
    expect(steady[0]).toMatchObject({ confidence: 0.5, severity: 'low' });
    const portOnly = Array.from({ length: 12 }, (_, k) => rec({ srcAddr: HOST, dstAddr: '198.51.100.78', srcPort: 40000 + k, dstPort: 4444, packets: 30, bytes: 90000, start: T0 + k * 20 }));
    expect(run(portOnly).of('crypto-mining')[0]).toMatchObject({ confidence: 0.3, severity: 'info' });
  });

  it('stays quiet for ordinary HTTPS and for bulky transfers on a pool port that do not reach the record floor', () => {
    expect(run(persistent('198.51.100.77', 443, 20, 1200)).of('crypto-mining')).toHaveLength(0);
    const bulky = Array.from({ length: 3 }, (_, k) => rec({ srcAddr: HOST, dstAddr: '198.51.100.78', srcPort: 40000 + k, dstPort: 4444, packets: 3000, bytes: 3_000_000, start: T0 + k * 20 }));
    expect(run(bulky).of('crypto-mining')).toHaveLength(0);
  });
});

describe('tor', () => {
  it('flags a workload connecting out to a relay (client, high, T1090.003), not the relay answering', () => {
    const recs = pair(rec({ srcAddr: HOST, dstAddr: '192.0.2.90', srcPort: 41000, dstPort: 9001, packets: 20, bytes: 9000 }), { packets: 20, bytes: 12000 });
    const a = run(recs, { ti: TI }).of('tor');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: HOST, targets: ['192.0.2.90'], severity: 'high', confidence: 0.9, mitre: ['T1090.003'] });
  });

  it('flags inbound connections from an exit at medium severity, low when all were rejected', () => {
    const inbound = rec({ srcAddr: '192.0.2.91', dstAddr: '10.0.1.5', srcPort: 41000, dstPort: 443, packets: 20, bytes: 9000 });
    expect(run([inbound], { ti: TI }).of('tor')[0]).toMatchObject({ actor: '192.0.2.91', targets: ['10.0.1.5'], severity: 'medium' });
    expect(run([{ ...inbound, action: 'REJECT' }], { ti: TI }).of('tor')[0]?.severity).toBe('low');
  });

  it('uses ingest marks when no list is configured', () => {
    const marked = rec({ srcAddr: HOST, dstAddr: '198.51.100.5', dstPort: 443, marks: 1 << 5 /* DST_TOR_RELAY */ });
    expect(run([marked]).of('tor')).toHaveLength(1);
  });
});

describe('exfiltration', () => {
  const upload = (minutes: number, bytesPerMin: number, startMin = 0, dst = '198.51.100.200') =>
    Array.from({ length: minutes }, (_, m) => rec({ srcAddr: HOST, dstAddr: dst, srcPort: 40123, dstPort: 443, packets: Math.ceil(bytesPerMin / 1000), bytes: bytesPerMin, start: T0 + (startMin + m) * 60, end: T0 + (startMin + m) * 60 + 59 }));

  it('flags a large upload from a host without history above the cold floor (T1048)', () => {
    const a = run(upload(10, 60e6)).of('exfiltration');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: HOST, targets: ['198.51.100.200'], mitre: ['T1048'] });
  });

  it('flags an upload far above the host baseline once warm, but not its usual nightly volume', () => {
    // 2 hours of 2 MB/min to a backup service, then 40 MB/min elsewhere for 10 minutes (400 MB > 10 × 20 MB)
    const usual = upload(120, 2e6, 0, '198.51.100.10');
    const spike = upload(10, 40e6, 120);
    const r = run([...usual, ...spike]);
    expect(r.of('exfiltration').map((a) => a.targets[0])).toEqual(['198.51.100.200']);
    expect(r.of('exfiltration')[0]!.signals.find((s) => s.name === 'sourceBaselineBytes')!.note).toBe('EWMA, warm');
    expect(run(usual).of('exfiltration')).toHaveLength(0);
  });

  it('flags a single huge flow and counts the answers our server sends (data pulled from us)', () => {
    expect(run([rec({ srcAddr: HOST, dstAddr: '198.51.100.9', dstPort: 443, packets: 90000, bytes: 150e6 })]).of('exfiltration')[0]?.signals[0]?.name).toBe('bytesOut');
    const pulled = upload(10, 60e6).map((x) => ({ ...x, srcPort: 443, dstPort: 51000 }));
    expect(run(pulled).of('exfiltration')).toHaveLength(1);
  });

  it('marks exfiltration to an address on a threat (C2) list as T1041', () => {
    const r = run(upload(10, 60e6, 0, '192.0.2.66'), { ti: TI });
    expect(r.of('exfiltration')[0]?.mitre).toEqual(['T1041']);
  });

  it('leaves uploads to AWS services (ingest-marked) to CloudTrail: S3 backups are not exfiltration by flow logs', () => {
    const toS3 = upload(10, 60e6).map((x) => ({ ...x, marks: 1 << 11 /* DST_AWS_SERVICE */ }));
    expect(run(toS3).of('exfiltration')).toHaveLength(0);
  });
});

describe('unusual-port', () => {
  const cfg = config((c) => (c.detectors['unusual-port'].learningPeriodSec = 3600));
  const usual = Array.from({ length: 90 }, (_, m) => rec({ srcAddr: HOST, dstAddr: '198.51.100.10', srcPort: 40000 + m, dstPort: 443, start: T0 + m * 60 }));

  it('flags a remote port first used after the learning period (T1571), not during it', () => {
    const early = rec({ srcAddr: HOST, dstAddr: '198.51.100.11', srcPort: 41000, dstPort: 6667, start: T0 + 600 });
    const late = rec({ srcAddr: HOST, dstAddr: '198.51.100.12', srcPort: 41001, dstPort: 4782, start: T0 + 5000 });
    const a = run([...usual, early, late].sort((x, y) => (x.start as number) - (y.start as number)), { config: cfg }).of('unusual-port');
    expect(a.map((x) => x.ports[0])).toEqual([4782]);
    expect(a[0]).toMatchObject({ actor: HOST, targets: ['198.51.100.12'], mitre: ['T1571'] });
  });

  it('folds many new ports in one window into one finding (no alert storm during a scan)', () => {
    const many = Array.from({ length: 40 }, (_, k) => rec({ srcAddr: HOST, dstAddr: '198.51.100.13', srcPort: 42000 + k, dstPort: 1000 + k, start: T0 + 5400 + k }));
    const a = run([...usual, ...many], { config: cfg }).of('unusual-port');
    expect(a).toHaveLength(1);
    expect(a[0]!.ports).toHaveLength(40);
  });
});

describe('malicious-ip', () => {
  it('flags our workload contacting a listed address, naming the list and the reason', () => {
    const a = run(pair(rec({ srcAddr: HOST, dstAddr: '192.0.2.66', dstPort: 443, packets: 8, bytes: 1500 })), { ti: TI }).of('malicious-ip');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: HOST, targets: ['192.0.2.66'], severity: 'medium', mitre: ['T1071'] });
    expect(a[0]!.signals[0]!.note).toBe('acme: known C2');
  });

  it('rates inbound contact from a listed address lower: low when accepted, info when rejected', () => {
    const inbound = rec({ srcAddr: '192.0.2.66', dstAddr: '10.0.1.5', srcPort: 41000, dstPort: 22 });
    expect(run([inbound], { ti: TI }).of('malicious-ip')[0]).toMatchObject({ actor: '192.0.2.66', severity: 'low', mitre: [] });
    expect(run([{ ...inbound, action: 'REJECT' }], { ti: TI }).of('malicious-ip')[0]?.severity).toBe('info');
  });
});

describe('telemetry-gap', () => {
  it('reports SKIPDATA rows per ENI and never treats NODATA/SKIPDATA rows as flows', () => {
    const rows: FlowRecord[] = [
      { version: 2, accountId: '123456789012', interfaceId: 'eni-0gap', start: T0, end: T0 + 60, logStatus: 'SKIPDATA' },
      { version: 2, accountId: '123456789012', interfaceId: 'eni-0gap', start: T0 + 60, end: T0 + 120, logStatus: 'SKIPDATA' },
      { version: 2, accountId: '123456789012', interfaceId: 'eni-0quiet', start: T0, end: T0 + 60, logStatus: 'NODATA' },
      rec({ srcAddr: HOST, dstAddr: '198.51.100.10', start: T0 + 30 }),
    ];
    const r = run(rows);
    const a = r.of('telemetry-gap');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: null, targets: [], context: { interfaceIds: ['eni-0gap'], accountId: '123456789012' } });
    expect(a[0]!.signals[0]!.value).toBe(2);
    expect(r.engine.stats()).toMatchObject({ records: 4, flows: 1, skipdata: 2, nodata: 1 });
  });
});
