/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { T0, pair, rec } from '../testing/flows';
import { run } from '../testing/harness';

const HOUR = 3600;
const DAY0 = T0 - (T0 % 86400);

/** one short login connection every `every` seconds for `hours` from t */
function slowGuessing(src: string, dst: string, port: number, every: number, hours: number, t = DAY0): FlowRecord[] {
  const n = Math.floor((hours * HOUR) / every);
  return Array.from({ length: n }, (_, k) =>
    pair(rec({ srcAddr: src, dstAddr: dst, srcPort: 20000 + (k % 40000), dstPort: port, packets: 12, bytes: 2400, start: t + k * every, end: t + k * every + 3 }), { packets: 10, bytes: 2800 }),
  ).flat();
}

const window = (a: { signals: { name: string; note?: string }[] }) => a.signals.find((s) => s.name === 'windowSec')?.note;

describe('brute-force: slow tier', () => {
  it('reports one SSH attempt every 2 minutes for 3 hours (30 an hour) that the 5-minute window never sees', () => {
    const found = run(slowGuessing('198.51.100.9', '10.0.1.30', 22, 120, 3)).of('brute-force');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: '198.51.100.9', targets: ['10.0.1.30'], ports: [22], severity: 'low', mitre: ['T1110.001'] });
    expect(window(found[0]!)).toBe('slow window');
    expect(found[0]!.signals.find((s) => s.name === 'attempts')).toMatchObject({ value: 30, threshold: 20 });
  });

  it('stays quiet under slowMinAttempts an hour (one every 4 minutes: 15)', () => {
    expect(run(slowGuessing('198.51.100.9', '10.0.1.30', 22, 240, 4)).of('brute-force')).toHaveLength(0);
  });

  it('judges a pair with a warm history by its own level: a job at 30 an hour for a day stops firing after warm-up', () => {
    const job = run(slowGuessing('10.0.2.2', '10.0.1.30', 22, 120, 24));
    const a = job.of('brute-force');
    // one episode, opened while the pair had no history; no window after warm-up extends it
    expect(a).toHaveLength(1);
    expect(a[0]!.lastSeen).toBeLessThan(DAY0 + 7 * HOUR);
    // three times its usual rate on the next day is reported again
    const burst = slowGuessing('10.0.2.2', '10.0.1.30', 22, 30, 2, DAY0 + 24 * HOUR);
    const again = run([...slowGuessing('10.0.2.2', '10.0.1.30', 22, 120, 24), ...burst]).of('brute-force');
    expect(again.some((x) => x.firstSeen >= DAY0 + 24 * HOUR && x.signals.find((s) => s.name === 'pairBaselineAttempts')?.note === 'EWMA per slow window, warm')).toBe(true);
  });
});

/** `mbPerHour` from SRC to DST in one record a minute for `hours` from t, plus a small background to other hosts */
function egress(src: string, dst: string, mbPerHour: number, hours: number, t: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (let m = 0; m < hours * 60; m++) {
    const s = t + m * 60;
    out.push(rec({ srcAddr: src, dstAddr: dst, srcPort: 40000, dstPort: 443, packets: 1000, bytes: Math.round((mbPerHour * 1e6) / 60), start: s, end: s + 59 }));
  }
  return out;
}

describe('exfiltration: slow tier', () => {
  const HOST = '10.0.3.3';
  it('reports 150 MB an hour to one host from a workload whose usual egress is 5 MB an hour (under the 10-minute floor)', () => {
    const usual = egress(HOST, '93.184.216.34', 5, 8, DAY0);
    const trickle = egress(HOST, '203.0.113.99', 150, 4, DAY0 + 8 * HOUR);
    const found = run([...usual, ...trickle]).of('exfiltration');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: HOST, targets: ['203.0.113.99'] });
    expect(window(found[0]!)).toBe('slow window');
    // the same hour from a host that always sends that much is its normal
    const steady = [...egress(HOST, '93.184.216.34', 150, 8, DAY0), ...egress(HOST, '203.0.113.99', 150, 4, DAY0 + 8 * HOUR)];
    expect(run(steady).of('exfiltration')).toHaveLength(0);
  });
});
