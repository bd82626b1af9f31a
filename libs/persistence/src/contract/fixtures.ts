import type { AnomalyV1, Incident, IncidentTimelineEntry } from '@flowguard/contracts';

/** A valid anomaly as plain data; the contract suites vary only what each test is about. */
export function sampleAnomaly(overrides: Partial<AnomalyV1> = {}): AnomalyV1 {
  return {
    anomalyId: 'anom-port-scan-10.0.0.5-0001',
    detector: 'port-scan',
    severity: 'high',
    confidence: 0.92,
    score: 41.5,
    actor: '10.0.0.5',
    targets: ['10.0.1.7', '10.0.1.8'],
    ports: [22, 80, 443, 3389],
    protocol: 6,
    firstSeen: 1_700_000_000,
    lastSeen: 1_700_000_300,
    mitre: ['T1046'],
    summary: '10.0.0.5 probed 412 ports on 2 hosts in 5 minutes',
    signals: [{ name: 'distinct_ports', value: 412, threshold: 100 }],
    evidence: [{
      interfaceId: 'eni-0abc', srcAddr: '10.0.0.5', dstAddr: '10.0.1.7', srcPort: 51515, dstPort: 22,
      protocol: 6, packets: 1, bytes: 60, start: 1_700_000_000, end: 1_700_000_060, action: 'REJECT',
    }],
    context: { accountId: '123456789012', region: 'eu-west-1', vpcId: 'vpc-1' },
    occurrences: 1,
    status: 'open',
    updatedAt: 1_700_000_300_000,
    ...overrides,
  };
}

export function sampleEntry(overrides: Partial<IncidentTimelineEntry> = {}): IncidentTimelineEntry {
  return { at: 1_700_000_400_000, type: 'note_added', state: 'New', by: 'analyst@example.org', text: 'looked at it', ...overrides };
}

export function sampleIncident(overrides: Partial<Incident> = {}): Incident {
  const createdAt = overrides.createdAt ?? 1_700_000_310_000;
  return {
    incidentId: 'inc-0001',
    state: 'New',
    severity: 'high',
    title: 'Port scan from 10.0.0.5',
    summary: '10.0.0.5 probed 412 ports on 2 hosts',
    anomalyIds: ['anom-port-scan-10.0.0.5-0001'],
    actor: '10.0.0.5',
    targets: ['10.0.1.7'],
    mitre: ['T1046'],
    detector: 'port-scan',
    timeline: [{ at: createdAt, type: 'opened', state: 'New', by: 'orchestrator', text: 'opened from anomaly' }],
    createdAt,
    updatedAt: createdAt,
    version: 1,
    ...overrides,
  };
}
