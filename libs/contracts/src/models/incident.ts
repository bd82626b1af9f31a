import type { ThreatClassificationV1 } from '../messages/classification.v1';
import type { IncidentState, IncidentEventType } from '../messages/incident.v1';
import type { Severity } from '../messages/common';

/** One entry of an incident's timeline (state changes, notes, actions). */
export interface IncidentTimelineEntry {
  readonly at: number;
  readonly type: IncidentEventType | 'action';
  readonly state: IncidentState;
  readonly by: string;
  readonly text: string;
}

/** The stored incident (FR5.1): what the API serves and the orchestrator evolves. */
export interface Incident {
  readonly incidentId: string;
  readonly state: IncidentState;
  readonly severity: Severity;
  readonly title: string;
  readonly summary: string;
  readonly anomalyIds: string[];
  readonly actor: string | null;
  readonly targets: string[];
  readonly mitre: string[];
  readonly detector: string;
  readonly classification?: ThreatClassificationV1;
  readonly timeline: IncidentTimelineEntry[];
  /** epoch ms */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** optimistic-concurrency version, incremented on every write */
  readonly version: number;
}
