import {
  SEVERITIES, SEVERITY_RANK,
  type AnomalyV1, type MitreTechniqueV1, type Severity, type ThreatClassificationV1, type Verdict,
} from '@flowguard/contracts';
import { mitreTechnique } from '../mitre/mitre-catalogue';
import type { Clock, ThreatClassifier } from '../threat-classifier.port';
import { displayEntity, quoteUntrusted } from '../untrusted-text';
import { detectorProfile, type DetectorProfile } from './detector-profiles';

export interface OfflineClassifierOptions {
  /** classification confidence below this is a false positive (weak, barely-over-threshold evidence) */
  readonly falsePositiveBelow: number;
  /** classification confidence at or above this is a true positive; between the two: needs_review */
  readonly truePositiveAtOrAbove: number;
  /** raise severity one level when the strongest signal is this many times its threshold */
  readonly strongMargin: number;
  /** lower severity one level when the detector's own confidence is below this */
  readonly weakDetectorConfidence: number;
  /** signal margin that counts as full strength (log scale from 1× to this) */
  readonly fullStrengthMargin: number;
}

export const defaultOfflineClassifierOptions: OfflineClassifierOptions = Object.freeze({
  falsePositiveBelow: 0.25,
  truePositiveAtOrAbove: 0.6,
  strongMargin: 5,
  weakDetectorConfidence: 0.3,
  fullStrengthMargin: 10,
});

export const OFFLINE_MODEL = 'offline-rules-v1';

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
const shift = (s: Severity, by: number, floor: Severity = 'info'): Severity => {
  const rank = Math.min(SEVERITY_RANK.critical, Math.max(SEVERITY_RANK[floor], SEVERITY_RANK[s] + by));
  return SEVERITIES[rank] as Severity;
};

interface Strength {
  /** the strongest value/threshold ratio among signals that carry a threshold, 0 when none */
  readonly margin: number;
  readonly signal?: { readonly name: string; readonly value: number; readonly threshold: number };
}

function strongestSignal(anomaly: AnomalyV1): Strength {
  let best: Strength = { margin: 0 };
  for (const s of anomaly.signals) {
    if (s.threshold === undefined || !(s.threshold > 0) || !Number.isFinite(s.value)) continue;
    const margin = s.value / s.threshold;
    if (margin > best.margin) best = { margin, signal: { name: s.name, value: s.value, threshold: s.threshold } };
  }
  return best;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * A deterministic, explainable classifier: the same anomaly always gives the
 * same classification. It needs no network, costs nothing, and is the fallback
 * when a model-backed classifier is unavailable (degradation level 4).
 *
 * Severity starts from the detector's and is adjusted by evidence strength,
 * detector confidence and whether the activity was blocked; every adjustment
 * is written into the reasoning.
 */
export class OfflineThreatClassifier implements ThreatClassifier {
  readonly provider = 'offline' as const;
  readonly model = OFFLINE_MODEL;
  private readonly options: OfflineClassifierOptions;

  constructor(private readonly clock: Clock = Date.now, options: Partial<OfflineClassifierOptions> = {}) {
    this.options = { ...defaultOfflineClassifierOptions, ...options };
  }

  async classify(anomaly: AnomalyV1): Promise<ThreatClassificationV1> {
    return this.classifySync(anomaly);
  }

  classifySync(anomaly: AnomalyV1): ThreatClassificationV1 {
    const o = this.options;
    const profile = detectorProfile(anomaly.detector);
    const strength = strongestSignal(anomaly);
    const reasons: string[] = [];

    // confidence: the detector's own, blended with how far the evidence clears its threshold
    let confidence = clamp01(anomaly.confidence);
    if (strength.margin > 0) {
      const s = strength.margin <= 1 ? 0 : clamp01(Math.log(strength.margin) / Math.log(o.fullStrengthMargin));
      confidence = clamp01(0.6 * confidence + 0.4 * s);
    }
    confidence = round3(confidence);

    const actor = anomaly.actor ? displayEntity(anomaly.actor) : null;
    const targets = anomaly.targets.slice(0, 5).map(displayEntity);
    const more = anomaly.targets.length > 5 ? ` and ${anomaly.targets.length - 5} more` : '';

    reasons.push(
      `Offline rules classifier (${OFFLINE_MODEL}; deterministic, no model call).`,
      `Detector ${anomaly.detector} reported ${quoteUntrusted(anomaly.summary)} with confidence ${fmt(anomaly.confidence)} and severity ${anomaly.severity}` +
        ` (${anomaly.occurrences} update${anomaly.occurrences === 1 ? '' : 's'}).`,
      `Actor ${actor ?? 'unknown'}; target${anomaly.targets.length === 1 ? '' : 's'} ${targets.join(', ') || 'none'}${more}.`,
    );
    const cited = anomaly.signals.slice(0, 8).map((s) =>
      s.threshold !== undefined && s.threshold > 0
        ? `${quoteUntrusted(s.name, 64)} = ${fmt(s.value)} against threshold ${fmt(s.threshold)} (${fmt(s.value / s.threshold)}×)`
        : `${quoteUntrusted(s.name, 64)} = ${fmt(s.value)}`,
    );
    reasons.push(cited.length ? `Signals: ${cited.join('; ')}.` : 'Signals: none reported, so confidence rests on the detector alone.');

    // severity
    let severity: Severity = anomaly.severity;
    if (strength.signal && strength.margin >= o.strongMargin) {
      const next = shift(severity, +1);
      if (next !== severity) {
        reasons.push(`Severity raised from ${severity} to ${next}: ${quoteUntrusted(strength.signal.name, 64)} is ${fmt(strength.margin)}× its threshold (≥ ${o.strongMargin}×).`);
        severity = next;
      }
    }
    if (anomaly.confidence < o.weakDetectorConfidence) {
      const next = shift(severity, -1, 'low');
      if (next !== severity) {
        reasons.push(`Severity lowered from ${severity} to ${next}: detector confidence ${fmt(anomaly.confidence)} < ${o.weakDetectorConfidence}.`);
        severity = next;
      }
    }
    const blocked = anomaly.evidence.length > 0 && anomaly.evidence.every((e) => e.action === 'REJECT');
    if (profile?.blockedLowersSeverity && blocked) {
      const next = shift(severity, -1, 'low');
      if (next !== severity) {
        reasons.push(`Severity lowered from ${severity} to ${next}: every evidence record was REJECTed, so the activity was blocked.`);
        severity = next;
      }
    }

    // verdict
    let verdict: Verdict;
    if (anomaly.status === 'suppressed') {
      verdict = 'benign_true_positive';
      reasons.push(`Verdict benign_true_positive: the pattern is real but suppressed by rule ${quoteUntrusted(anomaly.suppressedBy ?? 'unnamed', 128)}.`);
    } else if (confidence < o.falsePositiveBelow) {
      verdict = 'false_positive';
      reasons.push(`Verdict false_positive: classification confidence ${fmt(confidence)} < ${o.falsePositiveBelow}.`);
    } else if (confidence >= o.truePositiveAtOrAbove) {
      verdict = 'true_positive';
      reasons.push(`Verdict true_positive: classification confidence ${fmt(confidence)} ≥ ${o.truePositiveAtOrAbove}.`);
    } else {
      verdict = 'needs_review';
      reasons.push(`Verdict needs_review: classification confidence ${fmt(confidence)} is between ${o.falsePositiveBelow} and ${o.truePositiveAtOrAbove}.`);
    }

    const mitre = this.techniques(anomaly, profile, reasons);
    const acceptedPorts = [...new Set(anomaly.evidence.filter((e) => e.action === 'ACCEPT' && e.dstPort >= 0).map((e) => e.dstPort))]
      .sort((a, b) => a - b)
      .slice(0, 10);
    const recommendedActions =
      verdict === 'false_positive'
        ? ['No action; consider tuning the detector threshold if this repeats']
        : (profile?.actions({ actor, targets, acceptedPorts }) ?? [`Review the activity of ${actor ?? 'the source'} against ${targets.join(', ') || 'the targets'}`]);
    if (!profile) reasons.push(`No playbook for detector ${anomaly.detector}; generic review recommended.`);

    return {
      classificationId: `cls-${anomaly.anomalyId}-${anomaly.occurrences}`,
      severity,
      confidence,
      verdict,
      mitre,
      reasoning: reasons.join('\n').slice(0, 4000),
      recommendedActions: recommendedActions.slice(0, 20),
      provider: 'offline',
      model: OFFLINE_MODEL,
      tokens: { input: 0, output: 0 },
      costUsd: 0,
      classifiedAt: this.clock(),
      anomaly,
    };
  }

  private techniques(anomaly: AnomalyV1, profile: DetectorProfile | undefined, reasons: string[]): MitreTechniqueV1[] {
    const out: MitreTechniqueV1[] = [];
    const seen = new Set<string>();
    const add = (id: string, why?: string) => {
      if (seen.has(id) || out.length >= 10) return;
      seen.add(id);
      const t = mitreTechnique(id);
      out.push({ id, name: t?.name ?? `${id} (not in the offline catalogue)`, tactic: t?.tactic ?? 'unknown' });
      if (why) reasons.push(`MITRE ${id} ${t?.name ?? ''} (${t?.tactic ?? 'unknown'}): ${why}.`);
    };
    for (const t of profile?.techniques ?? []) add(t.id, t.why);
    for (const id of anomaly.mitre) add(id, seen.has(id) ? undefined : 'reported by the detector');
    return out;
  }
}
