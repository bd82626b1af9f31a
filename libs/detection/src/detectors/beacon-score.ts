/**
 * Beacon scoring over the session start times and sizes of one
 * (source, destination, port) pair. Follows RITA v5's score (Bowley skew + MAD
 * of intervals and of sizes, duration/coverage, 24-bin histogram) and adds the
 * FR2.3 coefficient of variation, computed after folding missed beats
 * (an interval of ≈k × the median counts as k beats). Pure functions.
 */
export interface BeaconWeights {
  ts: number;
  ds: number;
  dur: number;
  hist: number;
}

export interface BeaconScore {
  beats: number;
  medianInterval: number;
  /** coefficient of variation of the raw intervals */
  cv: number;
  /** ... after folding missed beats */
  cvFolded: number;
  missedBeats: number;
  /** share of (folded) intervals within ±tolerance of the median */
  onBeatShare: number;
  tsSkew: number;
  tsMad: number;
  ts: number;
  ds: number;
  dur: number;
  hist: number;
  score: number;
  medianBytes: number;
}

const MAX_FOLD = 4;
/** share of intervals within ±15% of the median before any interval is read as missed beats */
const FOLD_MIN_ON_BEAT = 0.5;

function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** RITA's skew and MAD scores of a sample (sorted ascending). `madDefault` applies when the median is < 1. */
export function skewMad(sorted: Float64Array, madDefault: number): { skew: number; mad: number } {
  const q1 = quantile(sorted, 0.25);
  const q2 = quantile(sorted, 0.5);
  const q3 = quantile(sorted, 0.75);
  let bowley = 0;
  // RITA forces the skew to 0 for tight or degenerate samples
  if (q3 - q1 >= 10 && q2 !== q1 && q2 !== q3) bowley = (q1 + q3 - 2 * q2) / (q3 - q1);
  const dev = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) dev[i] = Math.abs((sorted[i] as number) - q2);
  dev.sort();
  const mad = quantile(dev, 0.5);
  const madScore = q2 < 1 ? madDefault : Math.max(0, (q2 - mad) / q2);
  return { skew: 1 - Math.abs(bowley), mad: madScore };
}

function cvOf(xs: ArrayLike<number>, n: number): number {
  if (n === 0) return Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i] as number;
  const mean = sum / n;
  if (mean <= 0) return Infinity;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((xs[i] as number) - mean) ** 2;
  return Math.sqrt(v / n) / mean;
}

/**
 * Score beats `times` (sorted ascending, seconds) with per-beat `bytes`, over
 * the analysis range [rangeStart, rangeEnd) that the histogram and coverage use.
 */
export function scoreBeacon(times: Float64Array, bytes: Float64Array, rangeStart: number, rangeEnd: number, w: BeaconWeights, tolerance = 0.3): BeaconScore {
  const n = times.length;
  const raw: number[] = [];
  for (let i = 1; i < n; i++) {
    const d = (times[i] as number) - (times[i - 1] as number);
    if (d > 0) raw.push(d);
  }
  const intervals = Float64Array.from(raw).sort();
  const median = quantile(intervals, 0.5);
  const cv = cvOf(intervals, intervals.length);
  // fold missed beats: an interval close to k × median (k ≥ 2) is k intervals of median size.
  // Only a series that is mostly on-beat has "missed" beats; random traffic is left as it is.
  let onBeat = 0;
  for (let i = 0; i < intervals.length; i++) if (Math.abs((intervals[i] as number) - median) <= 0.15 * median) onBeat++;
  const foldable = intervals.length > 0 && onBeat / intervals.length >= FOLD_MIN_ON_BEAT;
  let missed = 0;
  let foldedCount = 0;
  const folded = new Float64Array(intervals.length);
  for (let i = 0; i < intervals.length; i++) {
    const x = intervals[i] as number;
    const k = foldable && median > 0 ? Math.round(x / median) : 1;
    // a few missed beats, not bursts: k is bounded, the median must be measurable, and the
    // jitter of k beats adds up like a random walk (√k), not linearly
    if (k >= 2 && k <= MAX_FOLD && median >= 2 && Math.abs(x - k * median) <= 0.15 * Math.sqrt(k) * median) {
      folded[i] = x / k;
      missed += k - 1;
      foldedCount++;
    } else {
      folded[i] = x;
    }
  }
  // missed beats cannot be most of the story: when over a third of the gaps needed folding, keep them raw
  if (foldedCount * 3 > intervals.length) {
    folded.set(intervals);
    missed = 0;
  }
  const cvFolded = cvOf(folded, folded.length);
  let near = 0;
  for (let i = 0; i < folded.length; i++) if (Math.abs((folded[i] as number) - median) <= tolerance * median) near++;
  const onBeatShare = folded.length > 0 ? near / folded.length : 0;
  const tsParts = intervals.length >= 3 ? skewMad(folded.sort(), 1) : { skew: 0, mad: 0 };
  const ts = (tsParts.skew + tsParts.mad) / 2;
  const sortedBytes = Float64Array.from(bytes).sort();
  const dsParts = sortedBytes.length >= 3 ? skewMad(sortedBytes, 0) : { skew: 0, mad: 0 };
  const ds = (dsParts.skew + dsParts.mad) / 2;

  // 24 bins across the range (RITA: hourly bins of a day)
  const span = Math.max(1, rangeEnd - rangeStart);
  const bins = new Float64Array(24);
  for (let i = 0; i < n; i++) {
    const b = Math.min(23, Math.max(0, Math.floor((((times[i] as number) - rangeStart) / span) * 24)));
    bins[b] = (bins[b] as number) + 1;
  }
  let nonEmpty = 0;
  let maxBin = 0;
  for (let b = 0; b < 24; b++) {
    if ((bins[b] as number) > 0) nonEmpty++;
    if ((bins[b] as number) > maxBin) maxBin = bins[b] as number;
  }
  const binCv = cvOf(bins, 24);
  const cvScore = binCv > 1 ? 0 : 1 - binCv;
  let bimodal = 0;
  if (nonEmpty >= 11) {
    const width = Math.max(1, Math.ceil(maxBin * 0.05));
    const freq = new Map<number, number>();
    for (let b = 0; b < 24; b++) {
      if ((bins[b] as number) === 0) continue;
      const k = Math.floor((bins[b] as number) / width);
      freq.set(k, (freq.get(k) ?? 0) + 1);
    }
    const top = [...freq.values()].sort((a, b2) => b2 - a);
    bimodal = Math.min(1, ((top[0] ?? 0) + (top[1] ?? 0)) / Math.max(1, nonEmpty - 1));
  }
  const hist = Math.max(cvScore, bimodal);
  let dur = 0;
  if (nonEmpty >= 6) {
    const coverage = Math.min(1, ((times[n - 1] as number) - (times[0] as number)) / span);
    let best = 0;
    let run = 0;
    for (let k = 0; k < 48; k++) {
      // wrap around once, as RITA does
      if ((bins[k % 24] as number) > 0) {
        run++;
        if (run > best) best = Math.min(24, run);
      } else {
        run = 0;
      }
    }
    dur = Math.max(coverage, Math.min(1, best / 12));
  }
  const score = Math.round((w.ts * ts + w.ds * ds + w.dur * dur + w.hist * hist) * 1000) / 1000;
  return {
    beats: n, medianInterval: median, cv, cvFolded, missedBeats: missed, onBeatShare, tsSkew: tsParts.skew, tsMad: tsParts.mad,
    ts, ds, dur, hist, score, medianBytes: quantile(sortedBytes, 0.5),
  };
}
