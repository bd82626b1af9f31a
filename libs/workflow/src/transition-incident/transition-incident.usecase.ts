import type { Incident, IncidentEventV1, IncidentState } from '@flowguard/contracts';
import type { IncidentRepository } from '@flowguard/persistence';
import { assertTransition, isReopen } from '../lifecycle/incident-lifecycle';
import { incidentEventId } from '../open-incident/incident-id';

export interface TransitionIncidentCommand {
  readonly incidentId: string;
  readonly to: IncidentState;
  /** who moves it (analyst name, automation id) */
  readonly by: string;
  /** why; required to reopen */
  readonly reason?: string;
  /** the version the caller saw; the move fails with ConflictError when the incident changed since */
  readonly expectedVersion?: number;
}

export class IncidentNotFoundError extends Error {
  constructor(readonly incidentId: string) {
    super(`no incident ${incidentId}`);
    this.name = 'IncidentNotFoundError';
  }
}

/**
 * Use case "move an incident through its lifecycle" (FR5.1). Legality comes from
 * the lifecycle table (IllegalTransitionError); the repository's conditional
 * write on the current state (and optionally the version) settles races between
 * two analysts (ConflictError). Returns the `state_changed` event to publish.
 */
export class TransitionIncident {
  constructor(private readonly deps: { readonly incidents: IncidentRepository; readonly clock: () => number }) {}

  async execute(cmd: TransitionIncidentCommand): Promise<{ readonly incident: Incident; readonly event: IncidentEventV1 }> {
    const current = await this.deps.incidents.get(cmd.incidentId);
    if (!current) throw new IncidentNotFoundError(cmd.incidentId);
    const from = current.state;
    assertTransition(from, cmd.to, cmd.reason);
    const at = this.deps.clock();
    const verb = isReopen(from, cmd.to) ? 'Reopened' : `Moved from ${from} to ${cmd.to}`;
    const text = (cmd.reason?.trim() ? `${verb}: ${cmd.reason.trim()}` : verb).slice(0, 1000);
    const incident = await this.deps.incidents.transition(
      cmd.incidentId, from, cmd.to, { at, type: 'state_changed', state: cmd.to, by: cmd.by, text },
      cmd.expectedVersion !== undefined ? { expectedVersion: cmd.expectedVersion } : undefined,
    );
    const event: IncidentEventV1 = {
      eventId: incidentEventId(incident.incidentId, `v${incident.version}`),
      incidentId: incident.incidentId,
      type: 'state_changed',
      state: incident.state,
      previousState: from,
      severity: incident.severity,
      title: incident.title,
      summary: text,
      anomalyIds: incident.anomalyIds,
      actor: incident.actor,
      targets: incident.targets,
      mitre: incident.mitre,
      by: cmd.by,
      occurredAt: at,
    };
    return { incident, event };
  }
}
