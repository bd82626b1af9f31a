/**
 * Rules every IncidentRepository / AnomalyRepository implementation applies in
 * the same way, so the embedded store and DynamoDB cannot drift apart: input
 * checks, page limits, the bounded timeline and patch application.
 */
import { INCIDENT_STATES, SEVERITIES, VERDICTS } from '@flowguard/contracts';
import { FEEDBACK_SUBJECTS, type AnalystFeedback } from './feedback.port';
import type { AnomalyV1, Incident, IncidentTimelineEntry } from '@flowguard/contracts';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, StorageValidationError, type IncidentPatch } from './repositories.port';

export const StorageLimits = {
  /**
   * Timeline entries kept per incident. DynamoDB caps an item at 400 KB; with
   * 100 entries of at most ~2.2 KB, 500 anomaly ids and a classification the
   * item stays well below it (see docs/storage-dynamodb.md).
   */
  timelineCap: 100,
  timelineTextMax: 1000,
  timelineByMax: 120,
  /** same bounds as IncidentEventV1, so a stored incident always fits its event */
  anomaliesPerIncident: 500,
  /**
   * anomalies linked by `create` itself: DynamoDB writes the incident and one
   * link item per anomaly in one transaction of at most 100 items. More are
   * linked afterwards with attachAnomaly.
   */
  anomaliesAtCreate: 99,
  targetsPerIncident: 200,
  mitrePerIncident: 10,
  feedbackNoteMax: 4000,
  /** serialized JSON size above which a record is refused (DynamoDB's limit is 400 KB incl. names) */
  maxRecordJsonBytes: 350_000,
} as const;

const ANOMALY_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const INCIDENT_ID = /^inc-[A-Za-z0-9._:-]{4,128}$/;
const TRUNCATED = ' …[truncated]';

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_LIMIT;
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(limit)));
}

/** JSON turns NaN/Infinity into null and DynamoDB refuses them: reject both ways alike. */
function assertFiniteNumbers(value: unknown, path: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StorageValidationError(`${path} is not a finite number`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertFiniteNumbers(v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) assertFiniteNumbers(v, `${path}.${k}`);
  }
}

function assertInt(value: unknown, path: string): void {
  if (!Number.isSafeInteger(value)) throw new StorageValidationError(`${path} must be an integer`);
}

function assertSize(value: unknown, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > StorageLimits.maxRecordJsonBytes) {
    throw new StorageValidationError(`${what} is ${bytes} bytes serialized, over ${StorageLimits.maxRecordJsonBytes}`);
  }
}

export function validateAnomaly(a: AnomalyV1): void {
  if (typeof a !== 'object' || a === null) throw new StorageValidationError('anomaly must be an object');
  if (typeof a.anomalyId !== 'string' || !ANOMALY_ID.test(a.anomalyId)) {
    throw new StorageValidationError(`invalid anomalyId ${JSON.stringify(a.anomalyId)}`);
  }
  if (typeof a.detector !== 'string' || a.detector.length === 0) throw new StorageValidationError('detector is required');
  if (a.actor !== null && a.actor !== undefined && (typeof a.actor !== 'string' || a.actor.length === 0)) {
    throw new StorageValidationError('actor must be a non-empty string or null');
  }
  assertInt(a.firstSeen, 'firstSeen');
  assertInt(a.lastSeen, 'lastSeen');
  assertInt(a.updatedAt, 'updatedAt');
  assertFiniteNumbers(a, 'anomaly');
  assertSize(a, `anomaly ${a.anomalyId}`);
}

export function validateIncidentId(incidentId: string): void {
  if (typeof incidentId !== 'string' || !INCIDENT_ID.test(incidentId)) {
    throw new StorageValidationError(`invalid incidentId ${JSON.stringify(incidentId)}`);
  }
}

export function validateAnomalyId(anomalyId: string): void {
  if (typeof anomalyId !== 'string' || !ANOMALY_ID.test(anomalyId)) {
    throw new StorageValidationError(`invalid anomalyId ${JSON.stringify(anomalyId)}`);
  }
}

function validateEntry(e: IncidentTimelineEntry): void {
  if (typeof e !== 'object' || e === null) throw new StorageValidationError('timeline entry must be an object');
  assertInt(e.at, 'entry.at');
  if (!(INCIDENT_STATES as readonly string[]).includes(e.state)) throw new StorageValidationError(`invalid entry state ${e.state}`);
  if (typeof e.type !== 'string' || typeof e.by !== 'string' || typeof e.text !== 'string') {
    throw new StorageValidationError('timeline entry needs type, by and text strings');
  }
}

/** Long texts are cut with a visible marker rather than refused: an agent's essay must not block a state change. */
export function normalizeEntry(e: IncidentTimelineEntry): IncidentTimelineEntry {
  validateEntry(e);
  const cut = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max - TRUNCATED.length) + TRUNCATED);
  return { at: e.at, type: e.type, state: e.state, by: cut(e.by, StorageLimits.timelineByMax), text: cut(e.text, StorageLimits.timelineTextMax) };
}

/**
 * Appends within the cap: the first entry (how the incident opened) is always
 * kept, then the newest ones. The oldest middle entries are dropped.
 */
export function appendCapped(
  timeline: readonly IncidentTimelineEntry[], entry: IncidentTimelineEntry, cap: number,
): IncidentTimelineEntry[] {
  const c = Math.max(2, cap);
  const first = timeline[0];
  if (timeline.length < c || first === undefined) return [...timeline, entry];
  return [first, ...timeline.slice(timeline.length - (c - 2)), entry];
}

/** Prepares an incident for its first write: checks it, dedupes anomaly ids, bounds the timeline, version 1. */
export function prepareNewIncident(incident: Incident, timelineCap: number): Incident {
  if (typeof incident !== 'object' || incident === null) throw new StorageValidationError('incident must be an object');
  validateIncidentId(incident.incidentId);
  if (!(INCIDENT_STATES as readonly string[]).includes(incident.state)) throw new StorageValidationError(`invalid state ${incident.state}`);
  if (!(SEVERITIES as readonly string[]).includes(incident.severity)) throw new StorageValidationError(`invalid severity ${incident.severity}`);
  assertInt(incident.createdAt, 'createdAt');
  assertInt(incident.updatedAt, 'updatedAt');
  if (!Array.isArray(incident.anomalyIds)) throw new StorageValidationError('anomalyIds must be an array');
  const anomalyIds = [...new Set(incident.anomalyIds)];
  anomalyIds.forEach(validateAnomalyId);
  if (anomalyIds.length > StorageLimits.anomaliesAtCreate) {
    throw new StorageValidationError(
      `an incident is created with at most ${StorageLimits.anomaliesAtCreate} anomalies; attach the rest with attachAnomaly`);
  }
  let timeline: IncidentTimelineEntry[] = [];
  for (const e of incident.timeline ?? []) timeline = appendCapped(timeline, normalizeEntry(e), timelineCap);
  const prepared: Incident = {
    ...incident,
    anomalyIds,
    actor: incident.actor ?? null,
    targets: [...new Set(incident.targets ?? [])].slice(0, StorageLimits.targetsPerIncident),
    mitre: [...new Set(incident.mitre ?? [])].slice(0, StorageLimits.mitrePerIncident),
    timeline,
    version: 1,
  };
  assertFiniteNumbers(prepared, 'incident');
  assertSize(prepared, `incident ${incident.incidentId}`);
  return prepared;
}

function union(base: readonly string[], add: readonly string[] | undefined, max: number): string[] {
  if (!add || add.length === 0) return [...base];
  return [...new Set([...base, ...add])].slice(0, max);
}

/** The incident after `patch` and `entry`; used by read-modify-write paths of every adapter. */
export function applyPatch(current: Incident, patch: IncidentPatch, entry: IncidentTimelineEntry, timelineCap: number): Incident {
  if (patch.severity !== undefined && !(SEVERITIES as readonly string[]).includes(patch.severity)) {
    throw new StorageValidationError(`invalid severity ${patch.severity}`);
  }
  const next: Incident = {
    ...current,
    ...(patch.severity !== undefined ? { severity: patch.severity } : {}),
    ...(patch.title !== undefined ? { title: patch.title } : {}),
    ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
    ...(patch.classification !== undefined ? { classification: patch.classification } : {}),
    targets: union(current.targets, patch.addTargets, StorageLimits.targetsPerIncident),
    mitre: union(current.mitre, patch.addMitre, StorageLimits.mitrePerIncident),
    timeline: appendCapped(current.timeline, normalizeEntry(entry), timelineCap),
    updatedAt: entry.at,
    version: current.version + 1,
  };
  assertFiniteNumbers(next, 'incident');
  assertSize(next, `incident ${current.incidentId}`);
  return next;
}

/** The incident with one more anomaly linked (caller has checked it is not linked yet). */
export function applyAttach(current: Incident, anomalyId: string, entry: IncidentTimelineEntry, timelineCap: number): Incident {
  validateAnomalyId(anomalyId);
  if (current.anomalyIds.length >= StorageLimits.anomaliesPerIncident) {
    throw new StorageValidationError(`incident ${current.incidentId} already holds ${StorageLimits.anomaliesPerIncident} anomalies`);
  }
  const next: Incident = {
    ...current,
    anomalyIds: [...current.anomalyIds, anomalyId],
    timeline: appendCapped(current.timeline, normalizeEntry(entry), timelineCap),
    updatedAt: entry.at,
    version: current.version + 1,
  };
  assertSize(next, `incident ${current.incidentId}`);
  return next;
}

/**
 * Epoch seconds from which an anomaly's retention counts: its lastSeen, or
 * when it was last written if later (`updatedAt` is the detector's wall clock).
 * Replayed historical flows must not produce anomalies that are born expired.
 */
export function anomalyRetentionBase(a: AnomalyV1): number {
  return Math.max(a.lastSeen, Math.floor(a.updatedAt / 1000));
}

/** Feedback is refused rather than cut: it is labeled data and the API validates it first. */
export function validateFeedback(f: AnalystFeedback): void {
  if (typeof f !== 'object' || f === null) throw new StorageValidationError('feedback must be an object');
  if (typeof f.feedbackId !== 'string' || !ANOMALY_ID.test(f.feedbackId)) {
    throw new StorageValidationError(`invalid feedbackId ${JSON.stringify(f.feedbackId)}`);
  }
  if (!(FEEDBACK_SUBJECTS as readonly string[]).includes(f.subjectType)) throw new StorageValidationError(`invalid subjectType ${f.subjectType}`);
  if (f.subjectType === 'incident') validateIncidentId(f.subjectId);
  else validateAnomalyId(f.subjectId);
  if (typeof f.detector !== 'string' || f.detector.length === 0 || f.detector.length > 64) throw new StorageValidationError('detector is required');
  if (!(VERDICTS as readonly string[]).includes(f.verdict)) throw new StorageValidationError(`invalid verdict ${f.verdict}`);
  if (typeof f.analyst !== 'string' || f.analyst.length === 0 || f.analyst.length > StorageLimits.timelineByMax) {
    throw new StorageValidationError(`analyst must be 1..${StorageLimits.timelineByMax} characters`);
  }
  if (f.note !== undefined && (typeof f.note !== 'string' || f.note.length > StorageLimits.feedbackNoteMax)) {
    throw new StorageValidationError(`note must be at most ${StorageLimits.feedbackNoteMax} characters`);
  }
  assertInt(f.createdAt, 'createdAt');
  assertFiniteNumbers(f, 'feedback');
}

/** Deep copy through JSON: drops `undefined` fields exactly as the DynamoDB marshaller does. */
export function cloneRecord<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
