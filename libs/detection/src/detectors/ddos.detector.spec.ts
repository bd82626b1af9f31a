/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { T0, pair, rec } from '../testing/flows';
import { config, run } from '../testing/harness';

const WEB = '10.0.1.20';

/** `perMinute` connections of one client to WEB:80 for `minutes`, each answered. */
function clientConnections(client: string, perMinute: number, minutes: number, t = T0): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let k = 0; k < perMinute; k++) {
      const s = t + m * 60 + Math.floor((k * 60) / perMinute);
      out.push(...pair(rec({ srcAddr: client, dstAddr: WEB, srcPort: 33000 + ((m * perMinute + k) % 28000), dstPort: 80, packets: 7, bytes: 320, start: s, end: s + 3 }), { packets: 6, bytes: 11000 }));
    }
  }
  return out.sort((a, b) => (a.start as number) - (b.start as number));
}

describe('ddos', () => {
  it('flags one source opening connections to one service faster than any client pool (T1499.002), keyed by the target', () => {
    const r = run(clientConnections('172.16.0.1', 150, 3));
    const found = r.of('ddos');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: '172.16.0.1', targets: [WEB], ports: [80], mitre: ['T1499.002'] });
    expect(found[0]!.signals.find((s) => s.name === 'connection-flood-source')).toMatchObject({ value: 150, threshold: 100 });
    // one ongoing episode, updated by each window, not three anomalies
    const state = r.engine.anomalies().filter((a) => a.detector === 'ddos');
    expect(state).toHaveLength(1);
    expect(state[0]).toMatchObject({ anomalyId: found[0]!.anomalyId, occurrences: 3 });
  });

  it('keeps a one-source flood and a many-source flood on the same target apart (the first actor is not carried over)', () => {
    const single = clientConnections('172.16.0.1', 150, 3);
    const t = T0 + 20 * 60;
    const syn = Array.from({ length: 1200 }, (_, k) => rec({ version: 3, srcAddr: `198.19.${k >> 8}.${k & 255}`, dstAddr: WEB, srcPort: 40000 + k, dstPort: 80, tcpFlags: 2, packets: 1, bytes: 60, start: t + (k % 60) }));
    const state = run([...single, ...syn]).engine.anomalies().filter((a) => a.detector === 'ddos');
    expect(state.map((a) => a.actor).sort()).toEqual(['172.16.0.1', null]);
    expect(state.find((a) => a.actor === null)).toMatchObject({ targets: [WEB], firstSeen: t });
  });

  it('counts an east-west connection once although both workloads\' ENIs log it', () => {
    // one proxy of ours opening connections to a backend of ours; every record appears on both ENIs
    const bothEnis = (perMinute: number) => clientConnections('10.0.7.7', perMinute, 3)
      .flatMap((r) => [{ ...r, interfaceId: 'eni-0proxy' }, { ...r, interfaceId: 'eni-0backend' }]);
    // 60 connections a minute are 120 records: not a flood
    expect(run(bothEnis(60)).of('ddos')).toHaveLength(0);
    // 150 a minute is, and is reported as 150
    const found = run(bothEnis(150)).of('ddos');
    expect(found).toHaveLength(1);
    expect(found[0]!.signals.find((s) => s.name === 'connection-flood-source')).toMatchObject({ value: 150, threshold: 100 });
  });

  it('stays quiet below the absolute threshold (near miss) and does not count the server answers as a flood of the client', () => {
    expect(run(clientConnections('172.16.0.1', 90, 5)).of('ddos')).toHaveLength(0);
  });

  it('does not mistake a bulk TCP upload (large packets, few sources) for a packet flood', () => {
    const upload = Array.from({ length: 60 }, (_, k) => rec({ srcAddr: '10.0.4.4', dstAddr: '52.216.24.228', srcPort: 40000, dstPort: 443, packets: 20000, bytes: 28e6, start: T0 + k }));
    expect(run(upload).of('ddos')).toHaveLength(0);
  });

  it('does not mistake a port scan (one probe per port) for a connection flood', () => {
    const scan = Array.from({ length: 400 }, (_, k) => rec({ srcAddr: '10.0.5.5', dstAddr: WEB, srcPort: 51000, dstPort: 1 + k, packets: 1, bytes: 44, start: T0 + (k % 60) }));
    expect(run(scan).of('ddos')).toHaveLength(0);
  });

  it('flags many sources and a packet rate far above absolute thresholds with no single actor (T1498)', () => {
    const flood: FlowRecord[] = [];
    for (let s = 0; s < 600; s++) flood.push(rec({ srcAddr: `198.18.${s >> 8}.${s & 255}`, dstAddr: WEB, srcPort: 40000 + s, dstPort: 80, packets: 1200, bytes: 72000, start: T0 + (s % 60) }));
    const a = run(flood).of('ddos')[0]!;
    expect(a.actor).toBeNull();
    expect(a.mitre).toEqual(expect.arrayContaining(['T1498.001', 'T1498']));
    expect(a.signals.map((s) => s.name)).toEqual(expect.arrayContaining(['packet-rate', 'many-sources']));
  });

  it('detects a SYN flood from tcp-flags and a UDP flood', () => {
    const syn = Array.from({ length: 1200 }, (_, k) => rec({ version: 3, srcAddr: `198.19.${k >> 8}.${k & 255}`, dstAddr: WEB, srcPort: 40000 + k, dstPort: 443, tcpFlags: 2, packets: 1, bytes: 60, start: T0 + (k % 60) }));
    expect(run(syn).of('ddos')[0]?.mitre).toContain('T1499.001');
    const udp = Array.from({ length: 100 }, (_, k) => rec({ srcAddr: '203.0.113.50', dstAddr: WEB, srcPort: 40000 + k, dstPort: 53, protocol: 17, packets: 8000, bytes: 480000, start: T0 + (k % 60) }));
    const u = run(udp).of('ddos')[0];
    expect(u?.signals.map((s) => s.name)).toContain('udp-flood');
    expect(u).toMatchObject({ actor: '203.0.113.50', protocol: 17 });
  });

  /** `n` distinct clients, one answered connection each, in each of `minutes` minutes from t */
  function crowd(n: number, minutes: number, t: number): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let m = 0; m < minutes; m++) {
      for (let k = 0; k < n; k++) {
        const s = t + m * 60 + (k % 60);
        out.push(...pair(rec({ srcAddr: `100.64.${k >> 8}.${k & 255}`, dstAddr: WEB, srcPort: 40000 + m, dstPort: 80, packets: 6, bytes: 600, start: s, end: s + 1 }), { packets: 6, bytes: 9000 }));
      }
    }
    return out;
  }

  it('judges a busy destination by its own baseline: its normal crowd over an absolute threshold is not a flood', () => {
    // 400 clients a minute for 15 minutes (baseline warm after 10), then a busier 550: over manySourcesMin (500)
    // but under 1.5 × its own level; the relative trigger (5 ×) is far off as well
    const records = [...crowd(400, 15, T0), ...crowd(550, 10, T0 + 15 * 60)].sort((a, b) => (a.start as number) - (b.start as number));
    expect(run(records).of('ddos')).toHaveLength(0);
    // the gate is configurable: 0 restores the plain absolute threshold
    expect(run(records, { config: config((c) => (c.detectors.ddos.absoluteMinOverBaseline = 0)) }).of('ddos').length).toBeGreaterThan(0);
  });

  it('learns the level of a destination that is over an absolute threshold from its first window', () => {
    // 600 clients a minute from the start for 25 minutes: reported while there is no baseline (10 warm-up
    // windows), then judged by its own level; before, the warm-up windows entered the baseline clipped to 0
    const state = run(crowd(600, 25, T0)).engine.anomalies().filter((a) => a.detector === 'ddos');
    expect(state).toHaveLength(1);
    expect(state[0]!.lastSeen).toBeLessThan(T0 + 11 * 60);
    expect(state[0]!.signals.find((s) => s.name === 'baselineWarm')?.value).toBe(0);
  });

  it('names the single source of a connection flood on a busy target even when it is not the majority of records', () => {
    const busy = crowd(400, 15, T0);
    const flood = clientConnections('198.51.100.7', 150, 2, T0 + 15 * 60);
    const records = [...busy, ...crowd(400, 2, T0 + 15 * 60), ...flood].sort((a, b) => (a.start as number) - (b.start as number));
    const found = run(records).of('ddos');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: '198.51.100.7', targets: [WEB], ports: [80] });
    expect(found[0]!.signals.map((s) => s.name)).toEqual(expect.arrayContaining(['connection-flood-source']));
    expect(found[0]!.signals.map((s) => s.name)).not.toContain('many-sources');
  });

  it('fires relative to the destination baseline (EWMA) once the baseline is warm', () => {
    const cfg = config((c) => {
      c.detectors.ddos.warmupWindows = 5;
    });
    // 30 connections/minute from one API client for 20 minutes, then 200/minute (5× baseline, above the floor of 50)
    const normal = clientConnections('10.0.4.4', 30, 20, T0);
    const burst = clientConnections('10.0.4.4', 80, 2, T0 + 20 * 60);
    const before = run(normal, { config: cfg }).of('ddos');
    expect(before).toHaveLength(0);
    const r = run([...normal, ...burst], { config: cfg });
    // 80 < 100 absolute: only the baseline can see it (needs ≥ 5 × 30 = 150)... it cannot
    expect(r.of('ddos')).toHaveLength(0);
    const big = clientConnections('10.0.4.4', 160, 1, T0 + 20 * 60);
    const withBig = run([...normal, ...big], { config: config((c) => {
      c.detectors.ddos.warmupWindows = 5;
      // 160/min is under this absolute threshold; the relative floor (0.5 × 250) needs a baseline ≥ 25/min: 30 is enough
      c.detectors.ddos.connFloodPerSourceMin = 250;
    }) });
    const a = withBig.of('ddos');
    expect(a).toHaveLength(1);
    expect(a[0]!.signals.find((s) => s.name === 'connection-flood-source')?.note).toBe('relative to the destination baseline');
  });
});
