/**
 * Deterministic incident ids: one anomaly opens at most one incident, whichever
 * orchestrator instance handles it and however often the classification is
 * redelivered. Anomaly ids already match [A-Za-z0-9._:-]{8,128}, so the prefix
 * keeps the incident id within the contract's pattern.
 */
export function incidentIdForAnomaly(anomalyId: string): string {
  return `inc-${anomalyId}`;
}

/** Deterministic event id: the same lifecycle step of one incident always has the same id. */
export function incidentEventId(incidentId: string, step: string): string {
  return `${incidentId}:${step}`;
}
