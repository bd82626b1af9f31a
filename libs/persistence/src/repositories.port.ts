/**
 * Storage ports. Adapters: DynamoDB (libs/dynamodb) and the embedded store
 * (this library) which needs no server. Both give the same idempotency
 * guarantees, so a redelivered message never creates a second record.
 * The shared contract suites in ./contract prove that both behave alike.
 */
import type {
  AnomalyV1, Incident, IncidentState, IncidentTimelineEntry, Severity, ThreatClassificationV1,
} from '@flowguard/contracts';

export interface Page<T> {
  readonly items: T[];
  /**
   * opaque; pass back to get the next page; absent on the last page. A page may
   * hold fewer than `limit` items (and the final page may be empty) when a
   * filter dropped items, so loop until the cursor is absent.
   */
  readonly cursor?: string;
}

/** Default and maximum page sizes of every `list`. */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

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
  /** newest first by `lastSeen` */
  list(query: AnomalyQuery): Promise<Page<AnomalyV1>>;
}

export interface IncidentQuery {
  readonly state?: IncidentState;
  readonly severity?: Severity;
  readonly limit?: number;
  readonly cursor?: string;
}

/** A conditional write lost: the stored state or version is not the expected one. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The record a write refers to does not exist. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** A cursor that this repository did not issue (tampered, truncated, or from another query). */
export class InvalidCursorError extends Error {
  constructor(message = 'invalid cursor') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/** A record that cannot be stored (missing key, non-finite number, over a hard limit). */
export class StorageValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageValidationError';
  }
}

export interface WriteOptions {
  /** also require the stored version to equal this (optimistic concurrency) */
  readonly expectedVersion?: number;
}

/**
 * Fields of an incident that change without a state change (FR4 enrichment:
 * classification arrives, severity escalates). Scalars replace; `addTargets`
 * and `addMitre` are set unions kept in first-seen order.
 */
export interface IncidentPatch {
  readonly severity?: Severity;
  readonly title?: string;
  readonly summary?: string;
  readonly classification?: ThreatClassificationV1;
  readonly addTargets?: readonly string[];
  readonly addMitre?: readonly string[];
}

export interface IncidentRepository {
  /**
   * Create unless an incident with this id exists; never overwrites (the stored
   * one is returned with created:false). The stored version starts at 1.
   * Each anomaly belongs to at most one incident: if one of `anomalyIds` is
   * already linked to another incident this throws ConflictError and writes nothing.
   */
  create(incident: Incident): Promise<{ readonly created: boolean; readonly incident: Incident }>;
  get(incidentId: string): Promise<Incident | null>;
  /**
   * Move to `to` only if the stored state is `from` (conditional write), append
   * the timeline entry and bump the version. `updatedAt` becomes `entry.at`.
   * Throws ConflictError otherwise, NotFoundError when the incident is absent.
   * The lifecycle itself (which moves are legal) is the workflow's business.
   */
  transition(
    incidentId: string, from: IncidentState, to: IncidentState, entry: IncidentTimelineEntry, options?: WriteOptions,
  ): Promise<Incident>;
  /** Append a timeline entry (note, action) without a state change. */
  appendTimeline(incidentId: string, entry: IncidentTimelineEntry, options?: WriteOptions): Promise<Incident>;
  /** Change non-state fields and record why in the timeline. */
  update(incidentId: string, patch: IncidentPatch, entry: IncidentTimelineEntry, options?: WriteOptions): Promise<Incident>;
  /**
   * Link one more anomaly to the incident (correlation). Idempotent: linking an
   * anomaly already in this incident returns attached:false without a write.
   * ConflictError when it belongs to another incident.
   */
  attachAnomaly(
    incidentId: string, anomalyId: string, entry: IncidentTimelineEntry,
  ): Promise<{ readonly attached: boolean; readonly incident: Incident }>;
  /**
   * Newest first: by `updatedAt` when filtered by `state` (a work queue shows
   * what moved last), by `createdAt` otherwise.
   */
  list(query: IncidentQuery): Promise<Page<Incident>>;
  findByAnomaly(anomalyId: string): Promise<Incident | null>;
}
