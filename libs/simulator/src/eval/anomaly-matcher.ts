import { DETECTORS, type GroundTruthEntry, entitiesOf } from '../truth/ground-truth';

/** The part of an anomaly the evaluation looks at (AnomalyV1 maps onto it directly). */
export interface EvalAnomaly {
  id?: string;
  detector: string;
  actor: string | null;
  targets: string[];
  /** Unix seconds */
  start: number;
  end: number;
}

export interface EvalOptions {
  /** slack on both sides of an event's time range, seconds (flow records lag up to one window) */
  toleranceSeconds?: number;
  /**
   * `actor` (default): credit an event only to an anomaly that attributes it: same actor (or the
   * roles swapped), or, for many-source events without a single actor, the same target.
   * `entity`: any shared entity credits the event (more lenient: one scanner's finding about a
   * busy target would also "detect" every other scan of that target).
   */
  mode?: MatchMode;
  /** which addresses are yours: FP entities are also reported for internal ones alone */
  isInternal?: (ip: string) => boolean;
}

export type MatchMode = 'actor' | 'entity';

/**
 * tp: attributes an event of its detector (counts for recall and precision);
 * partial: shares an entity and the time with an event of its detector without attributing it
 * (a true alarm, e.g. "this host is under attack", so not an FP; no recall credit);
 * related / noise: see evaluate(); fp: none of these.
 */
export type Outcome = 'tp' | 'partial' | 'related' | 'noise' | 'fp';

export interface DetectorRow {
  detector: string;
  /** scored events whose primary detector is this one */
  attacks: number;
  /** events detected by at least one matching anomaly of this detector */
  tp: number;
  fn: number;
  /** tp / attacks, null when there is no event of this kind */
  recall: number | null;
  anomalies: number;
  /** anomalies that matched an event of this detector (tp + partial) */
  matched: number;
  /** of matched, those that shared an entity without attributing the event */
  partial: number;
  /** anomalies that matched an event listing this detector as related (not scored) */
  related: number;
  /** anomalies on background-noise entities (not scored) */
  noise: number;
  /** anomalies matching nothing */
  fp: number;
  /** matched / (matched + fp), null when there is neither */
  precision: number | null;
  /** benign entities named as the primary entity of an FP anomaly */
  fpEntities: number;
  fpEntityRate: number | null;
  /** of fpEntities, those inside your networks (see EvalOptions.isInternal) */
  fpInternalEntities: number;
  fpInternalRate: number | null;
}

export interface AttackResult {
  id: string;
  detector: string;
  variant: string;
  level: string;
  detected: boolean;
  matchedAnomalies: number;
  /** anomalies of other detectors that matched this event as related */
  relatedAnomalies: number;
}

export interface EvalReport {
  rows: DetectorRow[];
  total: DetectorRow;
  benignEntities: number;
  benignInternalEntities: number;
  attacks: AttackResult[];
  /** outcome per input anomaly, same order */
  outcomes: Outcome[];
  /** up to 20 FP anomalies, for reading */
  fpSamples: EvalAnomaly[];
  toleranceSeconds: number;
  mode: MatchMode;
}

export const DEFAULT_TOLERANCE_SECONDS = 600;

const RANK = { fp: 0, noise: 1, related: 2, partial: 3, tp: 4 } as const;
const BY_RANK: Outcome[] = ['fp', 'noise', 'related', 'partial', 'tp'];

/** Does the anomaly attribute the event (see MatchMode `actor`)? */
export function attributes(a: EvalAnomaly, e: GroundTruthEntry): boolean {
  const actors = e.actor ? [e.actor] : e.actors ?? [];
  if (a.actor) {
    if (actors.includes(a.actor)) return true;
    // roles swapped: the detector reports the victim as actor and the attacker among the targets
    return e.targets.includes(a.actor) && (actors.length === 0 || a.targets.some((t) => actors.includes(t)));
  }
  // a finding about a target only attributes an event that has no single actor (floods, botnets)
  return e.actor === null && a.targets.some((t) => e.targets.includes(t));
}

/**
 * Score anomalies against ground truth at the level of entities and time ranges:
 * an anomaly matches an event when the detector is the event's primary detector,
 * it attributes the event (see {@link EvalOptions.mode}) and the time ranges overlap
 * within the tolerance. Recall counts events; precision counts anomalies. Anomalies
 * that only share an entity with an event of their detector (partial), that match an
 * event through its `related` detectors, or that touch background-noise entities are
 * reported but not counted as false positives.
 */
export function evaluate(
  truth: readonly GroundTruthEntry[],
  anomalies: readonly EvalAnomaly[],
  benignEntities: Iterable<string>,
  opts: EvalOptions = {},
): EvalReport {
  const tol = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const mode = opts.mode ?? 'actor';
  const benign = new Set(benignEntities);
  const isInternal = opts.isInternal ?? (() => false);
  let benignInternal = 0;
  for (const b of benign) if (isInternal(b)) benignInternal++;
  const attacks = truth.filter((e) => e.kind === 'attack');
  const noise = truth.filter((e) => e.kind === 'noise');
  const byEntity = new Map<string, number[]>();
  attacks.forEach((e, i) => {
    for (const ent of new Set(entitiesOf(e))) {
      const list = byEntity.get(ent) ?? [];
      list.push(i);
      byEntity.set(ent, list);
    }
  });
  // Only the probing sources are noise; the hosts they probe are ordinary entities.
  const noiseEntities = new Map<string, GroundTruthEntry>();
  for (const n of noise) for (const ent of [n.actor, ...(n.actors ?? [])]) if (ent) noiseEntities.set(ent, n);

  const detected = new Array<boolean>(attacks.length).fill(false);
  const matchedCount = new Array<number>(attacks.length).fill(0);
  const relatedCount = new Array<number>(attacks.length).fill(0);
  const rows = new Map<string, DetectorRow>();
  const fpEntitiesBy = new Map<string, Set<string>>();
  const row = (d: string) => {
    let r = rows.get(d);
    if (!r) {
      r = emptyRow(d);
      rows.set(d, r);
    }
    return r;
  };
  for (const d of DETECTORS) row(d);
  for (const e of attacks) row(e.detector).attacks++;

  const outcomes: Outcome[] = [];
  const fpSamples: EvalAnomaly[] = [];
  for (const a of anomalies) {
    const r = row(a.detector);
    r.anomalies++;
    const ents = a.actor ? [a.actor, ...a.targets] : a.targets;
    const candidates = new Set<number>();
    for (const ent of ents) for (const i of byEntity.get(ent) ?? []) candidates.add(i);
    let best = 0;
    for (const i of candidates) {
      const e = attacks[i] as GroundTruthEntry;
      if (a.start > e.end + tol || a.end < e.start - tol) continue;
      if (e.detector === a.detector) {
        if (mode === 'entity' || attributes(a, e)) {
          best = Math.max(best, RANK.tp);
          detected[i] = true;
          matchedCount[i] = (matchedCount[i] as number) + 1;
        } else best = Math.max(best, RANK.partial);
      } else if (e.related.includes(a.detector as never)) {
        best = Math.max(best, RANK.related);
        relatedCount[i] = (relatedCount[i] as number) + 1;
      }
    }
    let outcome = BY_RANK[best] as Outcome;
    if (outcome === 'fp' && ents.some((ent) => {
      const n = noiseEntities.get(ent);
      return n !== undefined && a.start <= n.end + tol && a.end >= n.start - tol;
    })) outcome = 'noise';
    outcomes.push(outcome);
    switch (outcome) {
      case 'tp':
        r.matched++;
        break;
      case 'partial':
        r.matched++;
        r.partial++;
        break;
      case 'related':
        r.related++;
        break;
      case 'noise':
        r.noise++;
        break;
      case 'fp': {
        r.fp++;
        if (fpSamples.length < 20) fpSamples.push(a);
        const primary = a.actor ? [a.actor] : a.targets;
        const set = fpEntitiesBy.get(a.detector) ?? new Set<string>();
        for (const ent of primary) if (benign.has(ent)) set.add(ent);
        fpEntitiesBy.set(a.detector, set);
      }
    }
  }
  attacks.forEach((e, i) => {
    if (detected[i]) row(e.detector).tp++;
    else row(e.detector).fn++;
  });

  const allFp = new Set<string>();
  for (const r of rows.values()) {
    const set = fpEntitiesBy.get(r.detector) ?? new Set<string>();
    for (const ent of set) allFp.add(ent);
    finish(r, set, benign.size, benignInternal, isInternal);
  }
  const total = emptyRow('all');
  for (const r of rows.values()) {
    total.attacks += r.attacks;
    total.tp += r.tp;
    total.fn += r.fn;
    total.anomalies += r.anomalies;
    total.matched += r.matched;
    total.partial += r.partial;
    total.related += r.related;
    total.noise += r.noise;
    total.fp += r.fp;
  }
  finish(total, allFp, benign.size, benignInternal, isInternal);
  return {
    rows: [...rows.values()],
    total,
    benignEntities: benign.size,
    benignInternalEntities: benignInternal,
    attacks: attacks.map((e, i) => ({
      id: e.id, detector: e.detector, variant: e.variant, level: e.intensity.level,
      detected: detected[i] as boolean, matchedAnomalies: matchedCount[i] as number, relatedAnomalies: relatedCount[i] as number,
    })),
    outcomes,
    fpSamples,
    toleranceSeconds: tol,
    mode,
  };
}

function emptyRow(detector: string): DetectorRow {
  return {
    detector, attacks: 0, tp: 0, fn: 0, recall: null, anomalies: 0, matched: 0, partial: 0, related: 0, noise: 0, fp: 0,
    precision: null, fpEntities: 0, fpEntityRate: null, fpInternalEntities: 0, fpInternalRate: null,
  };
}

function finish(r: DetectorRow, fpEntities: Set<string>, benign: number, benignInternal: number, isInternal: (ip: string) => boolean): void {
  r.recall = r.attacks ? r.tp / r.attacks : null;
  r.precision = r.matched + r.fp ? r.matched / (r.matched + r.fp) : null;
  r.fpEntities = fpEntities.size;
  r.fpEntityRate = benign ? fpEntities.size / benign : null;
  let internal = 0;
  for (const e of fpEntities) if (isInternal(e)) internal++;
  r.fpInternalEntities = internal;
  r.fpInternalRate = benignInternal ? internal / benignInternal : null;
}
