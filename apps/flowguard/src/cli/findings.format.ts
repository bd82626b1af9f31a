import type { AnomalyV1, Severity } from '@flowguard/contracts';
import { mitreTechnique } from '@flowguard/agents';

/**
 * One finding line of `flowguard analyze` (JSON Lines). Flat, stable field names
 * for SIEM import; times are Unix seconds.
 */
export interface FindingLine {
  id: string;
  detector: string;
  severity: Severity;
  confidence: number;
  score: number;
  actor: string | null;
  targets: string[];
  ports: number[];
  protocol: number | null;
  start: number;
  end: number;
  occurrences: number;
  status: 'open' | 'suppressed';
  mitre: string[];
  summary: string;
  signals: AnomalyV1['signals'];
  evidence: AnomalyV1['evidence'];
  context?: AnomalyV1['context'];
}

export function toFindingLine(a: AnomalyV1): FindingLine {
  const line: FindingLine = {
    id: a.anomalyId,
    detector: a.detector,
    severity: a.severity,
    confidence: a.confidence,
    score: a.score,
    actor: a.actor ?? null,
    targets: a.targets,
    ports: a.ports,
    protocol: a.protocol ?? null,
    start: a.firstSeen,
    end: a.lastSeen,
    occurrences: a.occurrences,
    status: a.status,
    mitre: a.mitre,
    summary: a.summary,
    signals: a.signals,
    evidence: a.evidence,
  };
  if (a.context) line.context = a.context;
  return line;
}

const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<Severity, string> = { info: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
export const OCSF_VERSION = '1.3.0';

/**
 * The same finding as an OCSF Detection Finding (class_uid 2004, activity Create),
 * the shape Security Lake and most SIEMs ingest. Times are epoch milliseconds as
 * OCSF requires; what OCSF has no attribute for goes to `unmapped`.
 */
export function toOcsfDetectionFinding(a: AnomalyV1, productVersion: string): Record<string, unknown> {
  const confidence = Math.round(a.confidence * 100);
  const observables = [
    ...(a.actor ? [{ name: 'actor', type_id: 2, type: 'IP Address', value: a.actor }] : []),
    ...a.targets.map((t) => ({ name: 'target', type_id: 2, type: 'IP Address', value: t })),
  ];
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time: a.updatedAt,
    start_time: a.firstSeen * 1000,
    end_time: a.lastSeen * 1000,
    severity_id: SEVERITY_ID[a.severity],
    severity: SEVERITY_NAME[a.severity],
    status_id: a.status === 'suppressed' ? 3 : 1,
    status: a.status === 'suppressed' ? 'Suppressed' : 'New',
    confidence_score: confidence,
    confidence_id: confidence >= 80 ? 3 : confidence >= 50 ? 2 : 1,
    is_alert: a.status !== 'suppressed',
    message: a.summary,
    count: a.occurrences,
    metadata: {
      version: OCSF_VERSION,
      uid: a.anomalyId,
      product: { name: 'Flowguard', vendor_name: 'Flowguard', version: productVersion },
      log_name: 'AWS VPC Flow Logs',
    },
    finding_info: {
      uid: a.anomalyId,
      title: `${a.detector}: ${a.summary}`.slice(0, 200),
      desc: a.summary,
      types: [a.detector],
      first_seen_time: a.firstSeen * 1000,
      last_seen_time: a.lastSeen * 1000,
      data_sources: ['AWS VPC Flow Logs'],
      analytic: { uid: a.detector, name: a.detector, type_id: 1, type: 'Rule' },
      attacks: a.mitre.map((id) => {
        const t = mitreTechnique(id.split('.')[0] as string);
        const sub = id.includes('.') ? mitreTechnique(id) : undefined;
        return {
          technique: { uid: id.includes('.') ? (id.split('.')[0] as string) : id, name: t?.name ?? id },
          ...(id.includes('.') ? { sub_technique: { uid: id, name: sub?.name ?? id } } : {}),
          ...(t ? { tactic: { name: t.tactic } } : {}),
        };
      }),
    },
    evidences: a.evidence.map((e) => ({
      src_endpoint: { ip: e.srcAddr, ...(e.srcPort >= 0 ? { port: e.srcPort } : {}), ...(e.interfaceId ? { interface_uid: e.interfaceId } : {}) },
      dst_endpoint: { ip: e.dstAddr, ...(e.dstPort >= 0 ? { port: e.dstPort } : {}) },
      connection_info: { ...(e.protocol >= 0 ? { protocol_num: e.protocol } : {}), ...(e.tcpFlags !== undefined && e.tcpFlags >= 0 ? { tcp_flags: e.tcpFlags } : {}) },
      data: { packets: e.packets, bytes: e.bytes, start: e.start, end: e.end, action: e.action },
    })),
    observables,
    ...(a.context?.accountId ? { cloud: { provider: 'AWS', account: { uid: a.context.accountId }, ...(a.context.region ? { region: a.context.region } : {}) } } : {}),
    unmapped: { score: a.score, ports: a.ports, protocol: a.protocol ?? null, signals: a.signals, actor: a.actor ?? null, targets: a.targets },
  };
}
