/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { T0, pair, rec } from '../testing/flows';
import { config, contractErrors, run } from '../testing/harness';

const SCANNER = '10.0.5.5';
const TARGET = '10.0.1.10';

/** `n` probes from SCANNER to distinct ports of TARGET starting at t, answered by RST when `answered`. */
function scan(n: number, t: number, opts: { spacing?: number; answered?: boolean; firstPort?: number; action?: 'ACCEPT' | 'REJECT' } = {}): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let k = 0; k < n; k++) {
    const start = t + Math.floor(k * (opts.spacing ?? 1));
    const fwd = rec({ srcAddr: SCANNER, dstAddr: TARGET, srcPort: 51000 + k, dstPort: (opts.firstPort ?? 20) + k, packets: 1, bytes: 44, start, end: start, action: opts.action ?? 'ACCEPT' });
    out.push(...pair(fwd, opts.answered === false ? false : { packets: 1, bytes: 40 }));
  }
  return out;
}

describe('port-scan', () => {
  it('fires on more than 20 distinct ports of one host within 60 s (FR2.1), with evidence and MITRE', () => {
    const r = run(scan(30, T0));
    const found = r.of('port-scan');
    expect(found).toHaveLength(1);
    const a = found[0]!;
    // the fast windows and the slow windows that contain the burst extend one anomaly
    expect(a).toMatchObject({ actor: SCANNER, targets: [TARGET], mitre: ['T1046'], status: 'open' });
    expect(a.ports).toHaveLength(30);
    expect(a.signals.find((s) => s.name === 'distinctPorts')).toMatchObject({ value: 30, threshold: 21 });
    expect(a.evidence.length).toBeGreaterThan(0);
    expect(a.evidence.length).toBeLessThanOrEqual(20);
    expect(a.evidence[0]).toMatchObject({ srcAddr: SCANNER, dstAddr: TARGET, interfaceId: 'eni-0test', action: 'ACCEPT' });
    expect(a.confidence).toBeGreaterThan(0.5);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(contractErrors(a)).toEqual([]);
  });

  it('stays quiet at exactly 20 ports in the fast window (near miss; only the low day tier reports it) and counts no response record as a probe', () => {
    const near = run(scan(20, T0)).of('port-scan');
    expect(near.map((a) => a.signals.find((s) => s.name === 'windowSec')?.note)).toEqual(['long window']);
    expect(near[0]!.severity).toBe('low');
    // a server answering one client's 40 connections: responses go to 40 distinct ephemeral ports of the client
    const answers: FlowRecord[] = [];
    for (let k = 0; k < 40; k++) {
      answers.push(rec({ srcAddr: '10.0.1.80', dstAddr: '10.0.2.2', srcPort: 443, dstPort: 40000 + k, packets: 1, bytes: 40, start: T0 + k }));
    }
    const r = run(answers);
    expect(r.of('port-scan')).toHaveLength(0);
    expect(r.engine.stats().responses).toBe(40);
  });

  it('uses tcp-flags when present: SYN-ACK answers are responses, FIN/RST rejects after close are discounted', () => {
    const synAck: FlowRecord[] = [];
    const closing: FlowRecord[] = [];
    for (let k = 0; k < 30; k++) {
      // answers from high service ports a port heuristic could not classify
      synAck.push(rec({ version: 3, srcAddr: TARGET, dstAddr: SCANNER, srcPort: 40000 + k, dstPort: 30000 + k, tcpFlags: 18, packets: 1, bytes: 40, start: T0 + k }));
      closing.push(rec({ version: 3, srcAddr: SCANNER, dstAddr: TARGET, srcPort: 51000, dstPort: 1000 + k, tcpFlags: 4, packets: 1, bytes: 40, action: 'REJECT', start: T0 + k }));
    }
    expect(run(synAck).of('port-scan')).toHaveLength(0);
    const r = run(closing);
    expect(r.of('port-scan')).toHaveLength(0);
    expect(r.engine.stats().closingRejects).toBe(30);
  });

  it('catches slow scans in the slow window and merges them with fast windows of the same episode', () => {
    // one probe every 30 s for 30 minutes: never > 20 per minute, 60 ports per 30 minutes
    const slow = scan(60, T0 - (T0 % 1800), { spacing: 30, answered: false, action: 'REJECT' });
    const found = run(slow).of('port-scan');
    expect(found).toHaveLength(1);
    expect(found[0]!.signals.find((s) => s.name === 'windowSec')?.note).toBe('slow window');
    expect(found[0]!.mitre).toEqual(['T1046']);
  });

  it('treats internet scanners as reconnaissance with lower severity than our own workloads scanning', () => {
    const inbound = scan(30, T0).map((r) => (r.srcAddr === SCANNER ? { ...r, srcAddr: '203.0.113.9' } : { ...r, dstAddr: '203.0.113.9' }));
    const a = run(inbound).of('port-scan')[0]!;
    const own = run(scan(30, T0)).of('port-scan')[0]!;
    expect(a.mitre).toEqual(['T1595.001']);
    expect(['low', 'info']).toContain(a.severity);
    expect(own.severity).toBe('medium');
  });

  it('counts probes that arrive out of order within the allowed lateness, and drops records older than the watermark', () => {
    const probes = scan(30, T0, { answered: false });
    const shuffled = [...probes].reverse();
    expect(run(shuffled, { batchSize: 7 }).of('port-scan')).toHaveLength(1);
    // first a batch 20 minutes later advances the watermark, then the scan arrives: too late
    const later = rec({ srcAddr: '10.0.7.7', dstAddr: '10.0.8.8', start: T0 + 1200 });
    const r = run([later, ...probes], { batchSize: 1, config: config((c) => (c.allowedLatenessSec = 300)) });
    expect(r.of('port-scan')).toHaveLength(0);
    expect(r.engine.stats().lateDrops).toBe(30);
  });

  it('never counts rows between two ephemeral ports (a high-port scan answered looks identical to its reverse)', () => {
    const high = scan(40, T0, { firstPort: 40000 });
    const r = run(high);
    expect(r.of('port-scan')).toHaveLength(0);
    const withLow = scan(40, T0, { firstPort: 20 });
    const state = run([...high, ...withLow]).engine.anomalies();
    expect(state.find((a) => a.detector === 'port-scan')?.signals[0]?.value).toBe(40);
  });
});

describe('port-scan: low-and-slow, UDP payload probes, established pairs', () => {
  const INTERNET = '203.0.113.77';

  it('reports 12 rejected ports over 20 hours in the day tier, one step lower for an internet actor', () => {
    const slow = scan(12, T0 - (T0 % 86400), { spacing: 6000, answered: false, action: 'REJECT' })
      .map((r) => ({ ...r, srcAddr: INTERNET }));
    const found = run(slow).of('port-scan');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: INTERNET, targets: [TARGET], severity: 'info', mitre: ['T1595.001'] });
    // emitted when the first window reached the threshold; later windows only extend it (no new decade)
    expect(found[0]!.signals.find((s) => s.name === 'distinctPorts')).toMatchObject({ threshold: 10 });
    expect(found[0]!.signals.find((s) => s.name === 'windowSec')).toMatchObject({ value: 86400, note: 'long window' });
    // 9 ports a day is below every tier
    expect(run(slow.slice(0, 9)).of('port-scan')).toHaveLength(0);
  });

  it('counts a port once however many hops repeat it, and only ports inside one 24 h window (hop panes + one value table)', () => {
    const day0 = T0 - (T0 % 86400);
    const probe = (port: number, t: number) => rec({ srcAddr: INTERNET, dstAddr: TARGET, srcPort: 51000 + (t % 1000), dstPort: port, packets: 1, bytes: 44, start: t, end: t, action: 'REJECT' });
    // five ports probed every hour for 20 hours: 100 probes, 5 distinct ports
    const repeated = Array.from({ length: 100 }, (_, k) => probe(20 + (k % 5), day0 + Math.floor(k / 5) * 3600));
    expect(run(repeated).of('port-scan')).toHaveLength(0);
    // nine ports in the first nine hours; a tenth 25 h after the first shares no 24 h window with it...
    const nine = Array.from({ length: 9 }, (_, k) => probe(100 + k, day0 + k * 3600));
    expect(run([...nine, probe(200, day0 + 25 * 3600)]).of('port-scan')).toHaveLength(0);
    // ...one at 23 h does, and the window reports the whole span with every probe
    const found = run([...nine, probe(200, day0 + 23 * 3600)]).of('port-scan');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ firstSeen: day0, lastSeen: day0 + 23 * 3600 });
    expect(found[0]!.signals.find((s) => s.name === 'distinctPorts')).toMatchObject({ value: 10, threshold: 10 });
    expect(found[0]!.signals.find((s) => s.name === 'probes')?.value).toBe(10);
    // evidence: the first probe of each hop, every probe once the entity reached hotAt (5) distinct ports
    expect(found[0]!.evidence.length).toBeGreaterThanOrEqual(7);
  });

  it('counts UDP service probes with payload (a SIP scan, 465 B per datagram) toward the vertical scan only', () => {
    const sip = Array.from({ length: 72 }, (_, k) => rec({ srcAddr: INTERNET, dstAddr: TARGET, srcPort: 56101, dstPort: 5060 + 37 * k, protocol: 17, packets: 1, bytes: 465, start: T0 }));
    const a = run(sip).of('port-scan');
    expect(a).toHaveLength(1);
    expect(a[0]!.signals.find((s) => s.name === 'windowSec')?.note).toBe('fast window');
    // the same datagrams to 72 hosts on one port are what a SIP client or resolver might send: no sweep
    const wide = sip.map((r, k) => ({ ...r, dstAddr: `10.0.9.${k + 1}`, dstPort: 5060 }));
    expect(run(wide).of('port-sweep')).toHaveLength(0);
    // bulk UDP (more than probeMaxPackets datagrams) is never a probe
    expect(run(sip.map((r) => ({ ...r, packets: 40, bytes: 40 * 465 }))).of('port-scan')).toHaveLength(0);
  });

  it('does not count ports the source exchanged payload with (established pairs), only never-established ones', () => {
    // a client talking to 12 services of one host, each followed by a tail record of two bare packets
    const talk: FlowRecord[] = [];
    for (let k = 0; k < 12; k++) {
      talk.push(rec({ srcAddr: INTERNET, dstAddr: TARGET, srcPort: 50000 + k, dstPort: 8000 + k, packets: 12, bytes: 9000, start: T0 + k * 600 }));
      talk.push(rec({ srcAddr: INTERNET, dstAddr: TARGET, srcPort: 50000 + k, dstPort: 8000 + k, packets: 2, bytes: 104, start: T0 + k * 600 + 120 }));
    }
    expect(run(talk).of('port-scan')).toHaveLength(0);
    // the same tails without the exchanges before them are probes
    expect(run(talk.filter((r) => r.packets === 2)).of('port-scan')).toHaveLength(1);
  });

  it('counts a payload-less connect of 7 packets as a probe (1 SYN + Linux tcp_syn_retries 6, one 600 s record)', () => {
    const day0 = T0 - (T0 % 86400);
    // ten ports over 13 hours: nine rejected, one ACCEPTed attempt of 7 header-only packets answered by a bare 40 B packet
    const knocks = Array.from({ length: 10 }, (_, k) => rec({
      srcAddr: INTERNET, dstAddr: TARGET, srcPort: 45338, dstPort: 1000 * (k + 1), start: day0 + k * 4800, end: day0 + k * 4800 + 1,
      ...(k === 6 ? { packets: 7, bytes: 288, action: 'ACCEPT' as const } : { packets: 2, bytes: 80, action: 'REJECT' as const }),
    }));
    const withAnswer = [...knocks, rec({ srcAddr: TARGET, dstAddr: INTERNET, srcPort: 7000, dstPort: 45338, packets: 1, bytes: 40, start: day0 + 6 * 4800 })];
    const found = run(withAnswer).of('port-scan');
    expect(found).toHaveLength(1);
    expect(found[0]!.signals.find((s) => s.name === 'distinctPorts')).toMatchObject({ value: 10, threshold: 10 });
    // an attempt of more packets than a connect retries, or one the service answered with data, is no probe: 9 ports stay quiet
    const longer = knocks.map((r) => (r.action === 'ACCEPT' ? { ...r, packets: 8, bytes: 330 } : r));
    expect(run(longer).of('port-scan')).toHaveLength(0);
    const answered = [...knocks, rec({ srcAddr: TARGET, dstAddr: INTERNET, srcPort: 7000, dstPort: 45338, packets: 3, bytes: 1400, start: day0 + 6 * 4800 })];
    expect(run(answered).of('port-scan')).toHaveLength(0);
  });
});

describe('port-sweep', () => {
  const sweep = (hosts: number, t: number, spacing = 1): FlowRecord[] =>
    Array.from({ length: hosts }, (_, k) => rec({ srcAddr: SCANNER, dstAddr: `10.0.3.${k + 1}`, srcPort: 40000 + k, dstPort: 22, packets: 2, bytes: 120, start: t + Math.floor(k * spacing) }));

  it('fires on one port across 25+ hosts within 60 s and lists the targets', () => {
    const a = run(sweep(30, T0)).of('port-sweep');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: SCANNER, ports: [22], protocol: 6, mitre: ['T1046'] });
    expect(a[0]!.targets).toHaveLength(30);
    expect(a[0]!.severity).toBe('high'); // our workload sweeping (GuardDuty PortSweep)
  });

  it('stays quiet at 24 hosts, and on answered payload-carrying connections to many hosts (a scraper)', () => {
    expect(run(sweep(24, T0)).of('port-sweep')).toHaveLength(0);
    const scrape = sweep(40, T0).map((r) => ({ ...r, packets: 12, bytes: 4000 }));
    expect(run(scrape).of('port-sweep')).toHaveLength(0);
  });

  it('reports a day-long sweep (one host every 30 min) in the long tier, but not the ends of established connections', () => {
    const slow = sweep(30, T0 - (T0 % 86400), 1800);
    const a = run(slow).of('port-sweep');
    expect(a).toHaveLength(1);
    expect(a[0]!.signals.find((s) => s.name === 'windowSec')?.note).toBe('long window');
    // a workstation's HTTPS connections: payload first, then a bare FIN/ACK record in the next minute
    const https = slow.flatMap((r) => [{ ...r, dstPort: 443, packets: 20, bytes: 30_000 }, { ...r, dstPort: 443, start: (r.start as number) + 60, end: (r.start as number) + 60 }]);
    expect(run(https).of('port-sweep')).toHaveLength(0);
  });

  it('catches a slow sweep (one host every 20 s for 25 minutes)', () => {
    const a = run(sweep(70, T0 - (T0 % 1800), 20)).of('port-sweep');
    expect(a).toHaveLength(1);
    expect(a[0]!.signals.find((s) => s.name === 'windowSec')?.note).toBe('slow window');
  });
});
