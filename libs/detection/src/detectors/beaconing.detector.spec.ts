/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
import type { FlowRecord } from '@flowguard/contracts';
import { T0, pair, rec } from '../testing/flows';
import { config, run } from '../testing/harness';
import { rng } from '../testing/scenario';

const HOST = '10.0.9.88';
const C2 = '203.0.113.5';

/** One short connection (new source port) every `every` seconds (with `jitter` fraction), answered. */
function beacon(count: number, every: number, opts: { jitter?: number; missed?: number; port?: number; seed?: number; bytes?: number } = {}): FlowRecord[] {
  const r = rng(opts.seed ?? 1);
  const out: FlowRecord[] = [];
  let t = T0;
  for (let k = 0; k < count; k++) {
    t += Math.round(every * (1 + (opts.jitter ?? 0) * (2 * r() - 1)));
    if (opts.missed && r() < opts.missed) continue;
    out.push(...pair(rec({ srcAddr: HOST, dstAddr: C2, srcPort: 49000 + (k % 16000), dstPort: opts.port ?? 1177, packets: 2, bytes: opts.bytes ?? 152, start: t, end: t + 4 }), { packets: 2, bytes: 120 }));
  }
  return out;
}

describe('beaconing', () => {
  it('flags a regular C2 heartbeat (FR2.3: interval CV < 10%) with T1071 + T1571 for a non-standard port', () => {
    const found = run(beacon(120, 23)).of('beaconing');
    expect(found).toHaveLength(1);
    const a = found[0]!;
    expect(a).toMatchObject({ actor: HOST, targets: [C2], ports: [1177], protocol: 6, mitre: ['T1071', 'T1571'] });
    expect(a.signals.find((s) => s.name === 'intervalCvFolded')!.value).toBeLessThan(0.1);
    expect(a.evidence.length).toBeGreaterThan(0);
    expect(a.evidence[0]).toMatchObject({ srcAddr: HOST, dstAddr: C2, dstPort: 1177 });
  });

  it('survives missed beats (folded) and ±20% jitter once it has persisted (RITA-style score and on-beat share)', () => {
    expect(run(beacon(120, 30, { missed: 0.25, seed: 3 })).of('beaconing')).toHaveLength(1);
    // ±20% jitter: the plain CV is above 10%, the score path carries it after a few hours
    const jittered = beacon(360, 60, { jitter: 0.2, seed: 4 });
    const a = run(jittered).engine.anomalies().find((x) => x.detector === 'beaconing');
    expect(a).toBeDefined();
    expect(a!.signals.find((s) => s.name === 'score')!.value).toBeGreaterThanOrEqual(0.8);
  });

  it('ignores irregular traffic, too few connections, and bursts faster than one-second timestamps can time', () => {
    const r = rng(5);
    const random: FlowRecord[] = [];
    let t = T0;
    for (let k = 0; k < 200; k++) {
      t += Math.max(1, Math.round(-Math.log(1 - r()) * 120));
      random.push(rec({ srcAddr: HOST, dstAddr: C2, srcPort: 40000 + k, dstPort: 443, packets: 5, bytes: 500 + Math.floor(r() * 5000), start: t }));
    }
    expect(run(random).of('beaconing')).toHaveLength(0);
    expect(run(beacon(10, 60)).of('beaconing')).toHaveLength(0);
    expect(run(beacon(200, 2)).of('beaconing')).toHaveLength(0);
  });

  it('treats records of one long session (same source port) as one beat, not a heartbeat every aggregation window', () => {
    const session = Array.from({ length: 300 }, (_, k) => rec({ srcAddr: HOST, dstAddr: C2, srcPort: 50000, dstPort: 8883, packets: 2, bytes: 100, start: T0 + k * 60, end: T0 + k * 60 + 59 }));
    expect(run(session).of('beaconing')).toHaveLength(0);
  });

  it('does not score the answers, nor inbound connections from the internet', () => {
    const answersOnly = beacon(120, 23).filter((x) => x.srcAddr === C2);
    expect(run(answersOnly).of('beaconing')).toHaveLength(0);
    const inbound = beacon(120, 23).filter((x) => x.srcAddr === HOST).map((x) => ({ ...x, srcAddr: '198.51.100.9', dstAddr: '10.0.1.5' }));
    expect(run(inbound).of('beaconing')).toHaveLength(0);
  });

  it('lowers web-port polling every 5+ minutes to low severity (update and telemetry clients look the same)', () => {
    const a = run(beacon(80, 900, { port: 443 })).engine.anomalies().find((x) => x.detector === 'beaconing');
    expect(a?.severity).toBe('low');
    expect(a?.mitre).toEqual(['T1071']);
  });

  it('sets aside a perfectly timed web poller whose sizes vary like telemetry, but not a C2 check-in of fixed size or a faster beacon', () => {
    const r = rng(7);
    // request sizes spread over 2,000-5,000 B (update and telemetry payloads): timing alone is the scheduler's
    const vary = (recs: FlowRecord[]) => recs.map((x) => (x.srcAddr === HOST ? { ...x, bytes: 2000 + Math.round(3000 * r()) } : x));
    const poller = run(vary(beacon(80, 900, { port: 443 })));
    expect(poller.of('beaconing')).toHaveLength(0);
    expect(poller.engine.stats().benignSkips['beaconing.varying-poller']).toBeGreaterThan(0);
    // the same schedule with one check-in size (an idle C2) still fires
    expect(run(beacon(80, 900, { port: 443, bytes: 3600 })).of('beaconing')).toHaveLength(1);
    // and the size bar is for pollers only: every 60 s the varying sizes still make a beacon
    expect(run(vary(beacon(400, 60, { port: 443 }))).of('beaconing')).toHaveLength(1);
  });

  it('reports a strobe instead of a beacon for thousands of sessions per hour', () => {
    const r = run(beacon(7300, 1), { config: config() });
    expect(r.of('strobe')).toHaveLength(1);
    expect(r.of('strobe')[0]!.signals[0]).toMatchObject({ name: 'sessions', threshold: 3600 });
  });

  describe('time sync (UDP 123)', () => {
    /** a time client polling every 15 minutes for a day: one request datagram of `bytes` per poll, answered */
    const ntp = (bytes: number, packets = 1) => Array.from({ length: 96 }, (_, k) => pair(
      rec({ srcAddr: HOST, dstAddr: '198.51.100.123', srcPort: 123, dstPort: 123, protocol: 17, packets, bytes, start: T0 + k * 900, end: T0 + k * 900 }),
      { packets, bytes },
    )).flat();

    it('does not report NTP-sized polls: a 48-byte message is all a time client sends', () => {
      const quiet = run(ntp(76));
      expect(quiet.of('beaconing')).toHaveLength(0);
      // set aside by the rule, and counted as such
      expect(quiet.engine.stats().benignSkips['beaconing.time-sync']).toBeGreaterThan(0);
      // a burst of 4 requests with a key id and MAC (96 B each) is still NTP
      expect(run(ntp(4 * 96, 4)).of('beaconing')).toHaveLength(0);
    });

    it('still reports a heartbeat on UDP 123 that carries more than NTP does, and NTP itself when the exemption is off', () => {
      const tunnel = run(ntp(600)).engine.anomalies().filter((x) => x.detector === 'beaconing');
      expect(tunnel).toHaveLength(1);
      expect(tunnel[0]).toMatchObject({ actor: HOST, ports: [123], protocol: 17, severity: 'low' });
      const off = config((c) => (c.detectors.beaconing.timeSyncExempt = false));
      expect(run(ntp(76), { config: off }).engine.anomalies().filter((x) => x.detector === 'beaconing')).toHaveLength(1);
    });
  });
});
