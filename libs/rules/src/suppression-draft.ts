/**
 * A suppression rule drafted from one anomaly ("suppress findings like this"),
 * scoped as narrowly as the anomaly allows: its detector, its actor (or, for an
 * actor-less finding such as a distributed flood, its targets) as host
 * prefixes, its ports when there are few, and an expiry. The analyst reviews
 * it and adds it to the rules file; nothing is applied by drafting (any tuning
 * needs a human's approval). The draft passes {@link checkSuppressions}.
 */
import type { AnomalyV1 } from '@flowguard/contracts';
import { checkSuppressions, type SuppressionRule } from './rules';

export interface DraftOptions {
  owner: string;
  reason: string;
  /** days until the rule expires */
  days: number;
  nowMs: number;
}

/** ports beyond this many are left out of the scope (a scan's hundreds of ports say nothing about the next one) */
const MAX_PORTS = 10;

export function suppressionDraft(a: AnomalyV1, o: DraftOptions): SuppressionRule {
  const hosts = a.actor !== null ? [a.actor] : a.targets.slice(0, 20);
  const day = new Date(o.nowMs).toISOString().slice(0, 10);
  const who = (a.actor ?? a.targets[0] ?? 'any').replace(/[^A-Za-z0-9]+/g, '-');
  const rule: SuppressionRule = {
    id: `sup-${a.detector}-${who}-${day}`,
    owner: o.owner,
    reason: o.reason,
    expiresAt: new Date(o.nowMs + o.days * 86_400_000).toISOString(),
    detectors: [a.detector],
    ...(hosts.length ? { cidrs: hosts.map((h) => (h.includes(':') ? `${h}/128` : `${h}/32`)) } : {}),
    ...(a.ports.length > 0 && a.ports.length <= MAX_PORTS ? { ports: [...a.ports] } : {}),
  };
  // a stored anomaly is validated data, but its values come from traffic: prove the draft usable
  checkSuppressions([rule]);
  return rule;
}
