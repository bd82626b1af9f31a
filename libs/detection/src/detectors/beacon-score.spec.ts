import { rng } from '../testing/scenario';
import { scoreBeacon } from './beacon-score';

const W = { ts: 0.25, ds: 0.25, dur: 0.25, hist: 0.25 };

function series(n: number, step: (i: number) => number, start = 1_000_000): Float64Array {
  const t: number[] = [];
  let x = start;
  for (let i = 0; i < n; i++) {
    t.push(x);
    x += step(i);
  }
  return Float64Array.from(t);
}

describe('scoreBeacon', () => {
  it('scores a perfect beacon covering the range at 1', () => {
    const t = series(360, () => 60);
    const s = scoreBeacon(t, new Float64Array(360).fill(300), t[0] as number, (t[0] as number) + 21600, W);
    expect(s.cv).toBe(0);
    expect(s.score).toBeCloseTo(1, 2);
    expect(s.onBeatShare).toBe(1);
  });

  it('folds missed beats for the FR2.3 coefficient of variation', () => {
    const r = rng(1);
    // every ~5th beat missing → 2× intervals
    const t = series(60, () => (r() < 0.2 ? 120 : 60) + Math.round((r() - 0.5) * 2));
    const s = scoreBeacon(t, new Float64Array(60).fill(200), t[0] as number, (t[0] as number) + 21600, W);
    expect(s.cv).toBeGreaterThan(0.3);
    expect(s.cvFolded).toBeLessThan(0.1);
    expect(s.missedBeats).toBeGreaterThan(5);
  });

  it('keeps jittered beacons regular on the robust terms', () => {
    const r = rng(2);
    const t = series(300, () => Math.round(60 * (0.8 + 0.4 * r())));
    const s = scoreBeacon(t, new Float64Array(300).fill(200), (t[299] as number) - 21600, (t[299] as number) + 1, W);
    expect(s.cv).toBeGreaterThan(0.1); // FR2.3 alone misses ±20% jitter...
    expect(s.onBeatShare).toBeGreaterThan(0.9); // ...the on-beat share and the RITA-style score do not
    expect(s.score).toBeGreaterThan(0.8);
  });

  it('does not read missed beats into random (Poisson) traffic', () => {
    const r = rng(3);
    const t = series(40, () => Math.max(1, Math.round(-Math.log(1 - r()) * 300)));
    const s = scoreBeacon(t, Float64Array.from({ length: 40 }, () => 500 + r() * 4000), t[0] as number, (t[0] as number) + 21600, W);
    expect(s.missedBeats).toBe(0);
    expect(s.cvFolded).toBeGreaterThan(0.4);
    expect(s.onBeatShare).toBeLessThan(0.6);
  });
});
