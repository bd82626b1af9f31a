/**
 * Where an analyst finds the raw flows behind an anomaly: the ingest service's
 * history query and export for the anomaly's main address over its time span
 * (GuardDuty users' complaint: no raw flows to drill into). Relative URLs: in
 * the all-in-one they are on the same port; split services need the usual
 * path routing of /v1/flows/* to ingest in front of them.
 */
import type { AnomalyV1 } from '@flowguard/contracts';

export interface AnomalyLinks {
  /** GET: the newest 100 stored flows of the address in the span, JSON, paged */
  readonly flows: string;
  /** GET: every stored flow of the address in the span (up to 100,000) as CSV */
  readonly export: string;
}

/** Flow records are aggregated over up to 10 minutes and arrive late: widen the span by this. */
const MARGIN_SEC = 600;
/** the history query answers at most 90 days */
const MAX_SPAN_SEC = 90 * 86_400;

export function anomalyLinks(a: Pick<AnomalyV1, 'actor' | 'targets' | 'ports' | 'firstSeen' | 'lastSeen'>): AnomalyLinks | undefined {
  const ip = a.actor ?? a.targets[0];
  if (!ip) return undefined;
  const to = a.lastSeen + MARGIN_SEC;
  const from = Math.max(to - MAX_SPAN_SEC, a.firstSeen - MARGIN_SEC, 0);
  const q = new URLSearchParams({ ip, from: String(from), to: String(to) });
  // one port narrows it to the finding's traffic; several (a scan) would hide the rest
  if (a.ports.length === 1) q.set('port', String(a.ports[0]));
  return { flows: `/v1/flows/history?${q}&limit=100`, export: `/v1/flows/export?${q}&format=csv` };
}
