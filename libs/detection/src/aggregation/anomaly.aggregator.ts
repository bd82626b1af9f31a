/**
 * Turns per-window candidates into anomalies: one per (detector, entity,
 * episode). An ongoing event updates its anomaly (first/last seen extend,
 * occurrences++) and is re-emitted only on escalation (a window's magnitude
 * reaching a new decade, like Slips' log-scale re-alerting, or a higher
 * severity) or on the heartbeat; suppression and dry-run are applied here.
 * All decisions use event time, so replays reproduce ids and emissions.
 */
import { SEVERITY_RANK, type AnomalyV1, type EvidenceRefV1 } from '@flowguard/contracts';
import type { DetectionConfig, DetectorId } from '../config/detection-config';
import { evidenceOf, type Candidate } from '../detectors/detector';
import { anomalyIdOf } from './anomaly-id';
import { Suppressions } from '@flowguard/rules';

interface Episode {
  anomaly: AnomalyV1;
  maxMagnitude: number;
  emittedBucket: number;
  emittedSeverity: number;
  emittedAt: number;
  lastWindowEnd: number;
}

export interface FindingCounters {
  candidates: number;
  created: number;
  updated: number;
  emitted: number;
  suppressed: number;
  dryRun: number;
}

const bucketOf = (m: number) => (m >= 1 ? Math.floor(Math.log10(m) + 1e-9) : 0);

export class AnomalyAggregator {
  private readonly episodes = new Map<string, Episode>();
  private suppressions: Suppressions;
  readonly counters = new Map<DetectorId, FindingCounters>();
  evicted = 0;
  private readonly dryRunSample: AnomalyV1[] = [];

  constructor(private readonly config: DetectionConfig, private readonly now: () => number) {
    this.suppressions = new Suppressions(config.suppressions);
  }

  get size(): number {
    return this.episodes.size;
  }

  /** New suppression rules (a configuration reload); open episodes are judged by them at their next emission. */
  setSuppressions(rules: DetectionConfig['suppressions']): void {
    this.suppressions = new Suppressions(rules);
  }

  private count(d: DetectorId): FindingCounters {
    let c = this.counters.get(d);
    if (!c) {
      c = { candidates: 0, created: 0, updated: 0, emitted: 0, suppressed: 0, dryRun: 0 };
      this.counters.set(d, c);
    }
    return c;
  }

  /** Fold one candidate in; returns the anomaly to emit, or null. */
  ingest(c: Candidate): AnomalyV1 | null {
    const counters = this.count(c.detector);
    counters.candidates++;
    const key = `${c.detector}|${c.entity}`;
    const agg = this.config.aggregation;
    let ep = this.episodes.get(key);
    let emit: boolean;
    if (ep && c.firstSeen - ep.anomaly.lastSeen <= agg.episodeGapSec) {
      counters.updated++;
      // a heartbeat is for an episode still active: a long window closing hours later over the same
      // activity (the day-long scan tier) is not news
      const active = c.lastSeen > ep.anomaly.lastSeen;
      this.merge(ep, c);
      // keep the Map in least-recently-updated order for eviction
      this.episodes.delete(key);
      this.episodes.set(key, ep);
      const bucket = bucketOf(ep.maxMagnitude);
      const sev = SEVERITY_RANK[ep.anomaly.severity];
      emit = bucket > ep.emittedBucket || sev > ep.emittedSeverity || (active && agg.heartbeatSec > 0 && c.windowEnd - ep.emittedAt >= agg.heartbeatSec);
    } else {
      if (!ep && this.episodes.size >= this.config.state.maxAnomalies) this.evictOldest();
      counters.created++;
      ep = this.create(c);
      this.episodes.set(key, ep);
      emit = true;
    }
    if (!emit) return null;
    // evidence is copied only for what is emitted: the first samples stay, the latest window refreshes the rest
    if (ep.anomaly.occurrences > 1) ep.anomaly.evidence = mergeEvidence(ep.anomaly.evidence, evidenceOf(c), agg.maxEvidence);
    ep.emittedBucket = bucketOf(ep.maxMagnitude);
    ep.emittedSeverity = SEVERITY_RANK[ep.anomaly.severity];
    ep.emittedAt = c.windowEnd;
    const nowMs = this.now();
    ep.anomaly.updatedAt = Math.trunc(nowMs);
    const rule = this.suppressions.match(ep.anomaly, nowMs);
    if (rule) {
      ep.anomaly.status = 'suppressed';
      ep.anomaly.suppressedBy = rule.id;
      counters.suppressed++;
    } else if (ep.anomaly.status === 'suppressed') {
      // the rule expired or changed: the ongoing anomaly becomes visible again
      ep.anomaly.status = 'open';
      delete ep.anomaly.suppressedBy;
    }
    const out = structuredClone(ep.anomaly);
    if (this.config.detectors[c.detector].mode === 'dry-run') {
      counters.dryRun++;
      this.dryRunSample.push(out);
      if (this.dryRunSample.length > 100) this.dryRunSample.shift();
      return null;
    }
    counters.emitted++;
    return out;
  }

  private create(c: Candidate): Episode {
    const agg = this.config.aggregation;
    const anomaly: AnomalyV1 = {
      anomalyId: anomalyIdOf(c.detector, c.entity, c.windowStart),
      detector: c.detector,
      severity: c.severity,
      confidence: c.confidence,
      score: c.score,
      actor: c.actor,
      targets: c.targets.slice(0, agg.maxTargets),
      ports: c.ports.slice(0, agg.maxPorts),
      ...(c.protocol !== undefined ? { protocol: c.protocol } : {}),
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
      mitre: c.mitre.slice(0, 10),
      summary: c.summary.slice(0, 1000),
      signals: c.signals.slice(0, 30),
      evidence: evidenceOf(c).slice(0, agg.maxEvidence),
      context: {
        ...(c.accountId ? { accountId: c.accountId } : {}),
        ...(c.interfaceIds.length ? { interfaceIds: c.interfaceIds.slice(0, 50) } : {}),
      },
      occurrences: 1,
      status: 'open',
      updatedAt: 0,
    };
    return { anomaly, maxMagnitude: c.magnitude, emittedBucket: -1, emittedSeverity: -1, emittedAt: c.windowEnd, lastWindowEnd: c.windowEnd };
  }

  private merge(ep: Episode, c: Candidate): void {
    const a = ep.anomaly;
    const agg = this.config.aggregation;
    a.occurrences++;
    a.firstSeen = Math.min(a.firstSeen, c.firstSeen);
    a.lastSeen = Math.max(a.lastSeen, c.lastSeen);
    if (SEVERITY_RANK[c.severity] > SEVERITY_RANK[a.severity]) a.severity = c.severity;
    a.confidence = Math.max(a.confidence, c.confidence);
    a.score = Math.max(a.score, c.score);
    a.targets = union(a.targets, c.targets, agg.maxTargets);
    a.ports = union(a.ports, c.ports, agg.maxPorts).sort((x, y) => x - y);
    a.mitre = union(a.mitre, c.mitre, 10);
    if (c.magnitude > ep.maxMagnitude) {
      // the explanation follows the strongest window seen so far; on a tie the first (shortest, most
      // specific) window keeps it: a longer window over the same probes adds nothing
      ep.maxMagnitude = c.magnitude;
      a.summary = c.summary.slice(0, 1000);
      a.signals = c.signals.slice(0, 30);
    }
    const ctx = a.context ?? {};
    const enis = union(ctx.interfaceIds ?? [], c.interfaceIds, 50);
    a.context = { ...ctx, ...(enis.length ? { interfaceIds: enis } : {}), ...(!ctx.accountId && c.accountId ? { accountId: c.accountId } : {}) };
    ep.lastWindowEnd = Math.max(ep.lastWindowEnd, c.windowEnd);
  }

  /**
   * Forget episodes that can no longer be extended: a later candidate starts at or after
   * `watermark - longestWindow`, so an episode idle since before that minus the gap is over.
   */
  sweep(watermark: number, longestWindowSec: number): void {
    const limit = watermark - longestWindowSec - this.config.aggregation.episodeGapSec;
    for (const [k, ep] of this.episodes) if (ep.anomaly.lastSeen < limit && ep.lastWindowEnd < limit) this.episodes.delete(k);
  }

  /** Full table: drop the episode created first (Map keeps insertion order), O(1). */
  private evictOldest(): void {
    const first = this.episodes.keys().next();
    if (!first.done) {
      this.episodes.delete(first.value);
      this.evicted++;
    }
  }

  /** Current state of every open episode (for APIs, tests and partition checks). */
  snapshot(): AnomalyV1[] {
    return [...this.episodes.values()].map((e) => structuredClone(e.anomaly));
  }

  dryRunFindings(): AnomalyV1[] {
    return this.dryRunSample.map((a) => structuredClone(a));
  }
}

function union<T>(a: T[], b: T[], max: number): T[] {
  if (a.length >= max) return a;
  const out = [...a];
  const seen = new Set(a);
  for (const x of b) {
    if (out.length >= max) break;
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}

/** Keep the earliest samples (how it started) and refresh the rest with the latest window. */
function mergeEvidence(old: EvidenceRefV1[], fresh: EvidenceRefV1[], max: number): EvidenceRefV1[] {
  if (old.length + fresh.length <= max) return [...old, ...fresh];
  const keep = Math.max(max - fresh.length, Math.ceil(max / 2));
  return [...old.slice(0, keep), ...fresh].slice(0, max);
}
