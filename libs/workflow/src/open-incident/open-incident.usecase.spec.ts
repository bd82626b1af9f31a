import { Topics, type AnomalyV1, type ThreatClassificationV1 } from '@flowguard/contracts';
import { EmbeddedIncidentRepository } from '@flowguard/persistence';
import { OpenIncidentFromClassification } from './open-incident.usecase';

const anomaly: AnomalyV1 = {
  anomalyId: 'port-scan:172.16.0.1:192.168.10.50:1499446560',
  detector: 'port-scan', severity: 'medium', confidence: 0.9, score: 50,
  actor: '172.16.0.1', targets: ['192.168.10.50'], ports: [22], protocol: 6,
  firstSeen: 1499446600, lastSeen: 1499446660, mitre: ['T1046'],
  summary: 'probed 120 ports', signals: [{ name: 'distinct_dst_ports', value: 120, threshold: 20 }], evidence: [],
  occurrences: 1, status: 'open', updatedAt: 1499446660000,
};

function classification(over: Partial<ThreatClassificationV1> = {}): ThreatClassificationV1 {
  return {
    classificationId: 'cls-port-scan:172.16.0.1:192.168.10.50:1499446560-1',
    severity: 'high', confidence: 0.85, verdict: 'true_positive',
    mitre: [{ id: 'T1046', name: 'Network Service Discovery', tactic: 'Discovery' }],
    reasoning: 'because', recommendedActions: ['block'], provider: 'offline', model: 'offline-rules-v1',
    tokens: { input: 0, output: 0 }, costUsd: 0, classifiedAt: 1, anomaly, ...over,
  };
}

/** The embedded repository (memory only): the real create-if-absent semantics, no server. */
async function setup() {
  const repo = await EmbeddedIncidentRepository.open();
  let now = 1_700_000_000_000;
  const usecase = new OpenIncidentFromClassification({ incidents: repo, clock: () => now++ });
  const count = async () => (await repo.list({ limit: 100 })).items.length;
  return { repo, usecase, count };
}

describe('OpenIncidentFromClassification', () => {
  it('opens an incident with a deterministic id and returns the opened event and finding', async () => {
    const { usecase, count } = await setup();
    const r = await usecase.execute(classification());
    expect(r.outcome).toBe('created');
    if (r.outcome !== 'created') return;
    expect(r.incident).toMatchObject({
      incidentId: 'inc-port-scan:172.16.0.1:192.168.10.50:1499446560',
      state: 'New', severity: 'high', detector: 'port-scan', actor: '172.16.0.1', targets: ['192.168.10.50'], mitre: ['T1046'],
      title: 'Port scan from 172.16.0.1 against 192.168.10.50', version: 1,
    });
    expect(r.incident.classification?.classificationId).toBe(classification().classificationId);
    expect(r.incident.timeline).toHaveLength(1);
    expect(r.rule.route).toBe('investigation');
    expect(r.event).toMatchObject({ type: 'opened', state: 'New', incidentId: r.incident.incidentId, eventId: `${r.incident.incidentId}:opened` });
    expect(r.finding).toMatchObject({ kind: 'incident', ref: r.incident.incidentId, severity: 'high' });
    expect(await count()).toBe(1);
    // the messages satisfy their topic contracts
    expect(Topics.incidents.codec.decode(Topics.incidents.codec.encode(r.event)).ok).toBe(true);
    expect(Topics.findings.codec.decode(Topics.findings.codec.encode(r.finding)).ok).toBe(true);
  });

  it('is idempotent: redelivery creates neither a second incident nor a second event', async () => {
    const { repo, usecase, count } = await setup();
    const first = await usecase.execute(classification());
    const again = await usecase.execute(classification());
    const later = await usecase.execute(classification({ classificationId: 'cls-port-scan:172.16.0.1:192.168.10.50:1499446560-2', severity: 'critical' }));
    expect(first.outcome).toBe('created');
    expect(again.outcome).toBe('exists');
    expect(later.outcome).toBe('exists');
    expect('event' in again).toBe(false);
    expect(await count()).toBe(1);
    if (again.outcome === 'exists' && first.outcome === 'created') expect(again.incident).toEqual(first.incident);
    expect((await repo.get(first.outcome === 'created' ? first.incident.incidentId : ''))?.version).toBe(1);
  });

  it('creates exactly one incident under concurrent deliveries', async () => {
    const { usecase, count } = await setup();
    const results = await Promise.all([1, 2, 3, 4].map(() => usecase.execute(classification())));
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
    expect(await count()).toBe(1);
  });

  it('opens no incident for a false positive', async () => {
    const { usecase, count } = await setup();
    const r = await usecase.execute(classification({ verdict: 'false_positive', severity: 'critical' }));
    expect(r).toMatchObject({ outcome: 'discarded', incidentId: 'inc-port-scan:172.16.0.1:192.168.10.50:1499446560' });
    expect(await count()).toBe(0);
  });

  it('routes medium severity to the analyst queue', async () => {
    const { usecase } = await setup();
    const r = await usecase.execute(classification({ severity: 'medium', verdict: 'needs_review' }));
    expect(r.outcome).toBe('created');
    expect(r.rule.route).toBe('analyst_queue');
    if (r.outcome === 'created') expect(r.incident.summary).toMatch(/Routed to analyst_queue/);
  });
});
