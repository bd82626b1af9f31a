import { seededRandom } from '@flowguard/util';
import { PairFilter, PairFilterBank } from './pair-filter';

/** Random triples over a small space (so lookups hit inserted ones), at increasing event times. */
function stream(seed: number, n: number): Array<{ t: number; a: number; b: number; c: number }> {
  const r = seededRandom(seed);
  const out: Array<{ t: number; a: number; b: number; c: number }> = [];
  let t = 1_700_000_000;
  for (let k = 0; k < n; k++) {
    t += Math.floor(r() * 40);
    out.push({ t, a: Math.floor(r() * 50), b: Math.floor(r() * 50), c: Math.floor(r() * 20) });
  }
  return out;
}

describe('PairFilterBank', () => {
  it('answers per lane exactly what a filter of its own would, for equal and different generation lengths', () => {
    const gens = [3600, 3600, 600];
    const bank = new PairFilterBank(12);
    const lanes = gens.map((g) => bank.lane(g));
    const own = gens.map((g) => new PairFilter(12, g));
    expect(bank.size).toBe(2);
    expect(lanes[0]).toBe(lanes[1]);
    const probe = stream(7, 500);
    for (const [k, e] of stream(3, 4000).entries()) {
      bank.at(e.t);
      for (const f of own) f.at(e.t);
      bank.add(e.a, e.b, e.c);
      for (const f of own) f.add(e.a, e.b, e.c);
      if (k % 100 === 0) {
        for (const q of probe) {
          for (let l = 0; l < gens.length; l++) expect((lanes[l] as PairFilter).has(q.a, q.b, q.c)).toBe((own[l] as PairFilter).has(q.a, q.b, q.c));
        }
      }
    }
  });

  it('forgets a triple after two generations and remembers it for at least one', () => {
    const bank = new PairFilterBank(16);
    const lane = bank.lane(100);
    bank.at(1000);
    bank.add(1, 2, 3);
    bank.at(1150);
    expect(lane.has(1, 2, 3)).toBe(true);
    bank.at(1400);
    expect(lane.has(1, 2, 3)).toBe(false);
  });

  it('refuses a lane once inserts have begun', () => {
    const bank = new PairFilterBank(12);
    bank.lane(60);
    bank.at(0);
    expect(() => bank.lane(120)).toThrow(/before the first insert/);
  });
});
