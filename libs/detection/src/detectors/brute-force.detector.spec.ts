/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { T0, pair, rec } from '../testing/flows';
import { run } from '../testing/harness';

function attempts(src: string, dst: string, port: number, n: number, t = T0, bytes = 2400): FlowRecord[] {
  return Array.from({ length: n }, (_, k) =>
    pair(rec({ srcAddr: src, dstAddr: dst, srcPort: 41000 + k, dstPort: port, packets: 12, bytes, start: t + k * 5, end: t + k * 5 + 3 }), { packets: 10, bytes: 2800 }),
  ).flat();
}

describe('brute-force', () => {
  it('reports an internet source guessing SSH on our host at target severity (low), T1110.001', () => {
    const a = run(attempts('198.51.100.7', '10.0.1.30', 22, 25)).of('brute-force');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ actor: '198.51.100.7', targets: ['10.0.1.30'], ports: [22], severity: 'low', mitre: ['T1110.001'] });
  });

  it('reports our workload attacking RDP elsewhere at actor severity (high)', () => {
    const a = run(attempts('10.0.9.9', '198.51.100.50', 3389, 25)).of('brute-force');
    expect(a[0]).toMatchObject({ actor: '10.0.9.9', severity: 'high', ports: [3389] });
  });

  it('stays quiet under the threshold, on rejected attempts and on non-login ports', () => {
    expect(run(attempts('198.51.100.7', '10.0.1.30', 22, 19)).of('brute-force')).toHaveLength(0);
    const rejected = attempts('198.51.100.7', '10.0.1.30', 22, 40).filter((r) => r.srcAddr === '198.51.100.7').map((r) => ({ ...r, action: 'REJECT' as const }));
    expect(run(rejected).of('brute-force')).toHaveLength(0);
    expect(run(attempts('198.51.100.7', '10.0.1.30', 8000, 40)).of('brute-force')).toHaveLength(0);
  });

  it('counts one attempt per connection, not per record of a long session', () => {
    const oneSession = Array.from({ length: 40 }, (_, k) => rec({ srcAddr: '198.51.100.7', dstAddr: '10.0.1.30', srcPort: 41000, dstPort: 22, packets: 12, bytes: 2400, start: T0 + k * 5 }));
    expect(run(oneSession).of('brute-force')).toHaveLength(0);
  });

  it('raises severity and adds the follow-on technique when a long session follows the guesses', () => {
    const recs = [...attempts('198.51.100.7', '10.0.1.30', 22, 25), rec({ srcAddr: '198.51.100.7', dstAddr: '10.0.1.30', srcPort: 42000, dstPort: 22, packets: 900, bytes: 250_000, start: T0 + 200 })];
    const a = run(recs).of('brute-force')[0]!;
    expect(a.severity).toBe('medium');
    expect(a.mitre).toEqual(['T1110.001', 'T1021.004']);
  });

  it('sees distributed guessing against one target from many sources (destination-keyed part)', () => {
    const recs: FlowRecord[] = [];
    for (let s = 0; s < 15; s++) recs.push(...attempts(`203.0.113.${s + 1}`, '10.0.1.30', 22, 5, T0 + s));
    const found = run(recs).of('brute-force');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: null, targets: ['10.0.1.30'], ports: [22], mitre: ['T1110', 'T1110.003'] });
  });
});
