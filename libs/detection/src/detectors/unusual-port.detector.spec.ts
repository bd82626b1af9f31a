/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { validateDetectionConfig } from '../config/detection-config.validator';
import { T0, pair, rec } from '../testing/flows';
import { config, run } from '../testing/harness';

const HOUR = 3600;
const WIN = '10.0.30.11';
const APP = '10.0.10.62';

/** `host` calls `dst`:`port` once a minute for `minutes`, from `from` on, answered */
function usual(host: string, dst: string, port: number, from: number, minutes: number): FlowRecord[] {
  return Array.from({ length: minutes }, (_, m) => pair(rec({ srcAddr: host, dstAddr: dst, srcPort: 50000 + m, dstPort: port, packets: 6, bytes: 900, start: from + m * 60 }), { packets: 5, bytes: 2000 })).flat();
}

const byStart = (rows: FlowRecord[]) => rows.sort((a, b) => (a.start as number) - (b.start as number));

describe('unusual-port (ADR 0027)', () => {
  const cfg = config((c) => (c.detectors['unusual-port'].learningPeriodSec = HOUR));

  it('flags a new east-west port after learning (lateral movement over WinRM), and not the answers', () => {
    const winrm = pair(rec({ srcAddr: WIN, dstAddr: APP, srcPort: 51000, dstPort: 5985, packets: 20, bytes: 4000, start: T0 + 2 * HOUR }), { packets: 20, bytes: 6000 });
    const rows = byStart([...usual(WIN, '198.51.100.10', 443, T0, 150), ...usual(APP, '10.0.20.10', 5432, T0, 150), ...winrm]);
    const a = run(rows, { config: cfg }).of('unusual-port');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: WIN, targets: [APP], ports: [5985], mitre: ['T1571'] });
  });

  it('learns only outbound ports when internal is not among its directions', () => {
    const outboundOnly = config((c) => {
      c.detectors['unusual-port'].learningPeriodSec = HOUR;
      c.detectors['unusual-port'].directions = ['outbound'];
    });
    const winrm = rec({ srcAddr: WIN, dstAddr: APP, srcPort: 51000, dstPort: 5985, packets: 20, bytes: 4000, start: T0 + 2 * HOUR });
    expect(run(byStart([...usual(WIN, '198.51.100.10', 443, T0, 150), winrm]), { config: outboundOnly }).of('unusual-port')).toHaveLength(0);
  });

  it('counts the learning period per workload: a host first seen after the others learned is still learning', () => {
    const late = T0 + 3 * HOUR;
    const newHost = '10.0.10.200';
    const rows = byStart([
      ...usual(WIN, '198.51.100.10', 443, T0, 240),
      // a web server launched at 3 h: its first ports are its own baseline, not news
      ...usual(newHost, '198.51.100.10', 443, late, 30),
      ...usual(newHost, APP, 9000, late + 60, 30),
      // ... until its own hour is over
      rec({ srcAddr: newHost, dstAddr: '198.51.100.77', srcPort: 52000, dstPort: 6667, packets: 8, bytes: 900, start: late + HOUR + 600 }),
    ]);
    const a = run(rows, { config: cfg }).of('unusual-port');
    expect(a.map((x) => [x.actor, x.ports[0]])).toEqual([[newHost, 6667]]);
  });

  it('does not report workloads joining an internal service five of ours use (a release), but reports each without the rule', () => {
    const collector = '10.0.11.200';
    const apps = ['10.0.10.60', '10.0.10.61', '10.0.10.62', '10.0.10.63', '10.0.10.64', '10.0.10.65'];
    const release = T0 + 2 * HOUR;
    const rows = byStart([
      ...apps.flatMap((app) => usual(app, '10.0.20.10', 5432, T0, 150)),
      // rolled out one server every 15 s: one gRPC connection each to the new collector
      ...apps.map((app, k) => rec({ srcAddr: app, dstAddr: collector, srcPort: 47000 + k, dstPort: 4317, packets: 30, bytes: 40_000, start: release + k * 15, end: release + 59 })),
    ]);
    expect(run(rows, { config: cfg }).of('unusual-port')).toHaveLength(0);
    const off = config((c) => {
      c.detectors['unusual-port'].learningPeriodSec = HOUR;
      c.detectors['unusual-port'].serviceMinSources = 0;
    });
    expect(run(rows, { config: off }).of('unusual-port').map((x) => x.actor).sort()).toEqual(apps);
    // four adopters are not yet a service: each is reported
    expect(run(byStart(rows.filter((x) => x.dstPort !== 4317 || apps.slice(0, 4).includes(x.srcAddr as string))), { config: cfg }).of('unusual-port')).toHaveLength(4);
  });

  it('rejects an inbound direction in the config', () => {
    expect(() => validateDetectionConfig({ detectors: { 'unusual-port': { directions: ['inbound'] } } })).toThrow(/unusual-port\.directions\[0\]/);
  });
});
