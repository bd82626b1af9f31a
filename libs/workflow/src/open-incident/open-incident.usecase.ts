import type { FindingV1, Incident, IncidentEventV1, ThreatClassificationV1 } from '@flowguard/contracts';
import type { IncidentRepository } from '@flowguard/persistence';
import { DEFAULT_ROUTING_RULES, routeClassification, type RoutingRule } from '../routing/routing-rules';
import { incidentEventId, incidentIdForAnomaly } from './incident-id';
import { incidentTitle } from './incident-title';

export interface OpenIncidentDeps {
  readonly incidents: IncidentRepository;
  /** epoch ms */
  readonly clock: () => number;
  readonly rules?: readonly RoutingRule[];
  /** recorded as the author of the opening timeline entry */
  readonly actorName?: string;
}

export type OpenIncidentResult =
  /** false positive: no incident (FR4.2), counted and logged by the caller */
  | { readonly outcome: 'discarded'; readonly rule: RoutingRule; readonly incidentId: string }
  /** a new incident was stored; publish `event` and `finding` */
  | { readonly outcome: 'created'; readonly rule: RoutingRule; readonly incident: Incident; readonly event: IncidentEventV1; readonly finding: FindingV1 }
  /** the incident already existed (redelivery or a later update of the same anomaly): nothing to publish */
  | { readonly outcome: 'exists'; readonly rule: RoutingRule; readonly incident: Incident };

/**
 * Use case "open incident from classification" (FR4.1–FR4.4, FR5.1).
 *
 * Idempotent: the incident id is derived from the anomaly id and the store's
 * create-if-absent decides, so a redelivered classification (or a second
 * orchestrator instance) never creates a second incident, and the 'opened'
 * event is returned only by the call that actually created it.
 */
export class OpenIncidentFromClassification {
  private readonly rules: readonly RoutingRule[];

  constructor(private readonly deps: OpenIncidentDeps) {
    this.rules = deps.rules ?? DEFAULT_ROUTING_RULES;
  }

  async execute(c: ThreatClassificationV1): Promise<OpenIncidentResult> {
    const a = c.anomaly;
    const incidentId = incidentIdForAnomaly(a.anomalyId);
    const rule = routeClassification(c, this.rules);
    if (!rule.opensIncident) return { outcome: 'discarded', rule, incidentId };

    const now = this.deps.clock();
    const by = this.deps.actorName ?? 'orchestrator';
    const title = incidentTitle(a);
    const mitre = c.mitre.map((m) => m.id);
    const summary = [
      a.summary,
      `Classified ${c.verdict} (${c.severity}, confidence ${c.confidence}) by ${c.provider}/${c.model}.`,
      `Routed to ${rule.route} by rule ${rule.name}.`,
    ].join(' ').slice(0, 4000);
    const candidate: Incident = {
      incidentId,
      state: 'New',
      severity: c.severity,
      title,
      summary,
      anomalyIds: [a.anomalyId],
      actor: a.actor ?? null,
      targets: a.targets.slice(0, 200),
      mitre,
      detector: a.detector,
      classification: c,
      timeline: [{ at: now, type: 'opened', state: 'New', by, text: `Opened from ${a.detector} anomaly ${a.anomalyId}; route ${rule.route}` }],
      createdAt: now,
      updatedAt: now,
      version: 1,
    };

    const { created, incident } = await this.deps.incidents.create(candidate);
    if (!created) return { outcome: 'exists', rule, incident };

    const event: IncidentEventV1 = {
      eventId: incidentEventId(incidentId, 'opened'),
      incidentId,
      type: 'opened',
      state: 'New',
      severity: incident.severity,
      title: incident.title,
      summary: incident.summary,
      anomalyIds: incident.anomalyIds,
      actor: incident.actor,
      targets: incident.targets,
      mitre: incident.mitre,
      classification: c,
      by,
      occurredAt: now,
    };
    const finding: FindingV1 = {
      findingId: `fnd-${incidentId}`.slice(0, 160),
      kind: 'incident',
      ref: incidentId.slice(0, 160),
      severity: incident.severity,
      title: incident.title,
      detector: incident.detector.slice(0, 48),
      actor: incident.actor,
      targets: incident.targets,
      mitre: incident.mitre,
      time: now,
    };
    return { outcome: 'created', rule, incident, event, finding };
  }
}
