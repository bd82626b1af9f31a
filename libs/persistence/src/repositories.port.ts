/**
 * Storage ports. Adapters: DynamoDB (libs/dynamodb) and the embedded store
 * (this library) which needs no server. Both give the same idempotency
 * guarantees, so a redelivered message never creates a second record.
 */
import type { AnomalyV1, Incident, IncidentState, IncidentTimelineEntry, Severity } from '@flowguard/contracts';

export interface Page<T> {
  readonly items: T[];
  /** opaque; pass back to get the next page; absent on the last page */
  readonly cursor?: string;
}

export interface AnomalyQuery {
  readonly detector?: string;
  readonly actor?: string;
  /** epoch seconds, on lastSeen */
  readonly since?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AnomalyRepository {
  /**
   * Insert or update by anomalyId. An update only applies when its `updatedAt`
   * is newer than the stored one (out-of-order redelivery cannot roll back).
   */
  upsert(anomaly: AnomalyV1): Promise<{ readonly created: boolean; readonly applied: boolean }>;
  get(anomalyId: string): Promise<AnomalyV1 | null>;
  list(query: AnomalyQuery): Promise<Page<AnomalyV1>>;
}

export interface IncidentQuery {
  readonly state?: IncidentState;
  readonly severity?: Severity;
  readonly limit?: number;
  readonly cursor?: string;
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface IncidentRepository {
  /** Create unless an incident with this id exists; never overwrites. */
  create(incident: Incident): Promise<{ readonly created: boolean; readonly incident: Incident }>;
  get(incidentId: string): Promise<Incident | null>;
  /**
   * Move to `to` only if the stored state is `from` (conditional write), append
   * the timeline entry and bump the version. Throws ConflictError otherwise.
   */
  transition(incidentId: string, from: IncidentState, to: IncidentState, entry: IncidentTimelineEntry): Promise<Incident>;
  /** Append a timeline entry (note, action) without a state change. */
  appendTimeline(incidentId: string, entry: IncidentTimelineEntry): Promise<Incident>;
  /** newest first */
  list(query: IncidentQuery): Promise<Page<Incident>>;
  findByAnomaly(anomalyId: string): Promise<Incident | null>;
}
