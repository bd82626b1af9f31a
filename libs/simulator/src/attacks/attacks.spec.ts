import { ipToInt, inCidr, ipToString } from '../estate/address-table';
import type { FlowSink } from '../output/flow-sink';
import { Simulation } from '../simulator';
import { DETECTORS, type GroundTruthEntry, entitiesOf } from '../truth/ground-truth';
import { AttackSpecError, CATALOG, VARIANT_LEVELS, selectAttacks } from './catalog';
import { AttackContext } from './attack';
import { Prng } from '../random/prng';

interface Rec {
  src: string;
  dst: string;
  pktSrc: string;
  pktDst: string;
  dport: number;
  sport: number;
  start: number;
  end: number;
}

/** One run with every attack, recorded as plain objects (3 hours keeps it small). */
function runAll(): { sim: Simulation; recs: Rec[] } {
  const sim = new Simulation({ seed: 11, records: 260_000, hours: 3, estate: { clients: 2000 }, format: 'v5' });
  const ip = (a: number) => sim.estate.ip(a);
  const recs: Rec[] = [];
  const sink: FlowSink = {
    flow: (_eni, s, d, sp, dp, _p, _pk, _b, start, end, _a, _f, _dir, ps, pd) => {
      recs.push({ src: ip(s), dst: ip(d), pktSrc: ip(ps < 0 ? s : ps), pktDst: ip(pd < 0 ? d : pd), sport: sp, dport: dp, start, end });
    },
    status: () => undefined,
  };
  sim.run(sink);
  return { sim, recs };
}

const isInternal = (ip: string) => inCidr(ipToInt(ip), '10.20.0.0/16');

describe('attack injection', () => {
  const { sim, recs } = runAll();
  const truth = sim.groundTruth();
  const attacks = truth.filter((e) => e.kind === 'attack');

  it('labels one event per selected variant, covering every detector, inside the run after the warm-up', () => {
    expect(attacks.map((a) => `${a.detector}:${a.variant}`)).toEqual(
      selectAttacks(['all']).map((s) => `${s.detector}:${s.variant}`),
    );
    expect(new Set(attacks.map((a) => a.detector))).toEqual(new Set(DETECTORS));
    const warmup = sim.startTime + Math.floor(sim.windows * 0.25) * 60;
    for (const a of attacks) {
      expect(a.records).toBeGreaterThan(0);
      expect(a.start).toBeGreaterThanOrEqual(warmup);
      expect(a.end).toBeLessThanOrEqual(sim.endTime);
      expect(a.end).toBeGreaterThanOrEqual(a.start);
      expect(a.intensity.level).toBe(VARIANT_LEVELS[a.detector as keyof typeof VARIANT_LEVELS][a.variant]);
    }
    expect(attacks.reduce((s, a) => s + a.records, 0)).toBe(sim.counts.attack);
  });

  it('writes at least the labeled number of records between each event\'s actors and targets, within its time range', () => {
    for (const a of attacks) {
      const ents = new Set(entitiesOf(a));
      const n = recs.filter((r) =>
        r.start >= a.start && r.end <= a.end &&
        (ents.has(r.src) || ents.has(r.pktSrc)) && (ents.has(r.dst) || ents.has(r.pktDst))).length;
      expect({ id: a.id, n: n >= a.records }).toEqual({ id: a.id, n: true });
    }
  });

  it('never lets benign traffic touch an external attack entity outside that attack\'s time range', () => {
    const windows = new Map<string, GroundTruthEntry[]>();
    for (const a of attacks) for (const e of entitiesOf(a)) if (!isInternal(e)) windows.set(e, [...(windows.get(e) ?? []), a]);
    let stray = 0;
    for (const r of recs) {
      for (const ip of [r.src, r.dst]) {
        const owners = windows.get(ip);
        if (owners && !owners.some((a) => r.start >= a.start && r.end <= a.end)) stray++;
      }
    }
    expect(stray).toBe(0);
  });

  it('injects scans and sweeps with the labeled number of distinct ports and hosts', () => {
    for (const a of attacks.filter((e) => e.detector === 'port-scan' || e.detector === 'port-sweep')) {
      const mine = recs.filter((r) => r.src === a.actor && r.start >= a.start && r.end <= a.end && a.targets.includes(r.dst));
      if (a.detector === 'port-scan') expect(new Set(mine.map((r) => r.dport)).size).toBe(a.intensity['distinctPorts']);
      else expect(new Set(mine.map((r) => r.dst)).size).toBe(a.intensity['distinctHosts']);
    }
  });

  it('beacons at the labeled period with jitter: median gap close to the period, not constant', () => {
    for (const a of attacks.filter((e) => e.detector === 'beaconing')) {
      const starts = [...new Set(recs.filter((r) => r.src === a.actor && r.dst === a.targets[0]).map((r) => r.start))].sort((x, y) => x - y);
      const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number)).sort((x, y) => x - y);
      const median = gaps[Math.floor(gaps.length / 2)] as number;
      const period = a.intensity['periodSeconds'] as number;
      expect(Math.abs(median - period)).toBeLessThanOrEqual(period * 0.35);
      expect(new Set(gaps).size).toBeGreaterThan(1);
    }
  });

  it('uses threat-intel addresses only in the intel attacks, and the right list for each', () => {
    const intel = sim.estate.intel;
    const listed = new Set([...intel.torExits, ...intel.torRelays, ...intel.miningPools, ...intel.malicious]);
    const users = new Set<string>();
    for (const a of attacks) for (const e of entitiesOf(a)) if (listed.has(e)) users.add(a.detector);
    expect([...users].sort()).toEqual(['crypto-mining', 'malicious-ip', 'tor']);
    const byVariant = (d: string, v: string) => attacks.find((a) => a.detector === d && a.variant === v) as GroundTruthEntry;
    expect(intel.torExits).toEqual(expect.arrayContaining(byVariant('tor', 'inbound-exit').actors ?? []));
    expect(intel.torRelays).toEqual(expect.arrayContaining(byVariant('tor', 'outbound-relay').targets));
    expect(intel.miningPools).toContain(byVariant('crypto-mining', 'stratum').targets[0]);
    expect(intel.malicious).toContain(byVariant('malicious-ip', 'outbound').targets[0]);
  });

  it('counts as benign entities the addresses benign traffic used, minus external attackers and probe sources', () => {
    const benign = new Set(sim.benignEntities());
    const noise = truth.find((e) => e.kind === 'noise') as GroundTruthEntry;
    for (const n of noise.actors ?? []) expect(benign.has(n)).toBe(false);
    for (const a of attacks) {
      for (const e of entitiesOf(a)) if (!isInternal(e)) expect({ e, benign: benign.has(e) }).toEqual({ e, benign: false });
    }
    // compromised internal hosts keep their benign traffic, so they stay in the population...
    const scanner = attacks.find((a) => a.detector === 'port-scan' && a.variant === 'internal') as GroundTruthEntry;
    expect(benign.has(scanner.actor as string)).toBe(true);
    // ...but addresses only a sweep touched (no host behind them) never join it
    const sweep = attacks.find((a) => a.detector === 'port-sweep' && a.variant === 'internal') as GroundTruthEntry;
    const phantom = sweep.targets.filter((t) => !sim.estate.hosts.some((h) => sim.estate.ip(h.addr) === t));
    expect(phantom.length).toBeGreaterThan(400);
    expect(phantom.filter((t) => benign.has(t))).toEqual([]);
    expect(benign.size).toBeGreaterThan(1000);
  });

  it('lists background-probe sources as noise, disjoint from attack entities', () => {
    const noise = truth.find((e) => e.kind === 'noise') as GroundTruthEntry;
    expect(noise.detector).toBe('none');
    expect(noise.actors?.length).toBeGreaterThan(50);
    const attackEnts = new Set(attacks.flatMap(entitiesOf));
    expect((noise.actors ?? []).filter((n) => attackEnts.has(n))).toEqual([]);
  });
});

describe('selectAttacks', () => {
  it('resolves all, detectors, detector:variant and level filters in catalog order', () => {
    expect(selectAttacks(['none'])).toEqual([]);
    expect(selectAttacks(['tor'])).toHaveLength(3);
    expect(selectAttacks(['ddos:udp-flood', 'port-scan:slow'])).toEqual([
      { detector: 'port-scan', variant: 'slow' }, { detector: 'ddos', variant: 'udp-flood' },
    ]);
    expect(selectAttacks(['all'], ['low']).every((s) => VARIANT_LEVELS[s.detector][s.variant] === 'low')).toBe(true);
  });

  it('names the choices when a spec is unknown', () => {
    expect(() => selectAttacks(['port-scna'])).toThrow(AttackSpecError);
    expect(() => selectAttacks(['port-scna'])).toThrow(/choose from: all, none, port-scan/);
    expect(() => selectAttacks(['ddos:huge'])).toThrow(/variant "huge" of ddos; choose from: syn-flood/);
  });

  it('keeps the level table in step with the builders', () => {
    const sim = new Simulation({ seed: 1, records: 60_000, hours: 1, attacks: ['none'], estate: { clients: 100 } });
    const ctx = new AttackContext(sim.estate, new Prng(1));
    for (const d of DETECTORS) {
      const builders = CATALOG[d](ctx);
      expect(Object.keys(builders).sort()).toEqual(Object.keys(VARIANT_LEVELS[d]).sort());
      for (const [v, build] of Object.entries(builders)) {
        const draft = build();
        expect(`${d}:${v}:${draft.level}`).toBe(`${d}:${v}:${VARIANT_LEVELS[d][v]}`);
        expect(draft.detector).toBe(d);
      }
    }
  });
});

describe('addresses', () => {
  it('round-trips IPv4 text and tests CIDR membership', () => {
    expect(ipToString(ipToInt('203.0.113.255'))).toBe('203.0.113.255');
    expect(inCidr(ipToInt('10.20.30.40'), '10.20.0.0/16')).toBe(true);
    expect(inCidr(ipToInt('10.21.0.1'), '10.20.0.0/16')).toBe(false);
  });
});
