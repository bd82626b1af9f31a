import type { Severity, ThreatClassificationV1, Verdict } from '@flowguard/contracts';

/**
 * Where a classified threat goes next (FR4.2–FR4.4), as data: the first rule whose
 * conditions all match decides. An absent condition matches anything.
 */
export const ROUTES = ['discard', 'investigation', 'analyst_queue'] as const;
export type Route = (typeof ROUTES)[number];

export interface RoutingRule {
  readonly name: string;
  readonly when: { readonly verdict?: readonly Verdict[]; readonly severity?: readonly Severity[] };
  readonly route: Route;
  /** does this route open an incident? */
  readonly opensIncident: boolean;
}

export const DEFAULT_ROUTING_RULES: readonly RoutingRule[] = Object.freeze([
  // FR4.2: FALSE POSITIVE → log (and, later, feed back to the model); no incident
  { name: 'false-positive', when: { verdict: ['false_positive'] }, route: 'discard', opensIncident: false },
  // FR4.3: CRITICAL/HIGH → investigation + containment + notify (the parallel branch, later)
  { name: 'high-severity', when: { severity: ['critical', 'high'] }, route: 'investigation', opensIncident: true },
  // FR4.4: MEDIUM/LOW → queue for analyst review
  { name: 'analyst-review', when: {}, route: 'analyst_queue', opensIncident: true },
]);

export function routeClassification(
  c: Pick<ThreatClassificationV1, 'verdict' | 'severity'>,
  rules: readonly RoutingRule[] = DEFAULT_ROUTING_RULES,
): RoutingRule {
  for (const rule of rules) {
    if (rule.when.verdict && !rule.when.verdict.includes(c.verdict)) continue;
    if (rule.when.severity && !rule.when.severity.includes(c.severity)) continue;
    return rule;
  }
  // a rule table without a catch-all is a configuration error, not a reason to drop a threat
  return { name: 'no-rule-matched', when: {}, route: 'analyst_queue', opensIncident: true };
}
