import { Topics, type AnomalyV1, type ThreatClassificationV1, type TopicDef } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import { EmbeddedIncidentRepository } from '@flowguard/persistence';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import pino from 'pino';
import { OpenIncidentsConsumer } from './open-incidents.consumer';

const anomaly: AnomalyV1 = {
  anomalyId: 'port-scan.4f18035a35cac90c.1700000100', detector: 'port-scan', severity: 'high', confidence: 0.9, score: 10,
  actor: '172.16.0.1', targets: ['192.168.10.50'], ports: [22], firstSeen: 1_700_000_100, lastSeen: 1_700_000_160, mitre: ['T1046'],
  summary: 'scan', signals: [], evidence: [], occurrences: 1, status: 'open', updatedAt: 1,
};
const classification = (over: Partial<ThreatClassificationV1> = {}): ThreatClassificationV1 => ({
  classificationId: `cls-${anomaly.anomalyId}-1`, severity: 'high', confidence: 0.9, verdict: 'true_positive',
  mitre: [{ id: 'T1046', name: 'Network Service Discovery', tactic: 'Discovery' }], reasoning: 'r', recommendedActions: [],
  provider: 'offline', model: 'offline-rules-v1', tokens: { input: 0, output: 0 }, costUsd: 0, classifiedAt: 1, anomaly, ...over,
});
const delivered = (value: ThreatClassificationV1, offset: string): Delivered<ThreatClassificationV1> => ({
  value, meta: { topic: Topics.classifications.name, partition: 0, offset, key: null, headers: {}, timestamp: 0 },
});

async function setup() {
  const published = new Map<string, unknown[]>();
  const bus: Bus = {
    publish: async <T>(topic: TopicDef<T>, messages: ReadonlyArray<T>) => void published.set(topic.name, [...(published.get(topic.name) ?? []), ...messages]),
    subscribe: async () => ({ stop: async () => undefined }),
    health: async () => ({ ok: true }),
    close: async () => undefined,
  };
  const incidents = await EmbeddedIncidentRepository.open();
  const consumer = new OpenIncidentsConsumer(bus, incidents, () => 1_700_000_200_000, {} as ConsumersService, new MetricsService('orchestrator', false), pino({ level: 'silent' }));
  return { consumer, published, incidents };
}

describe('OpenIncidentsConsumer', () => {
  it('publishes one opened event and one finding per new incident, none on redelivery', async () => {
    const { consumer, published, incidents } = await setup();
    await consumer.handle([delivered(classification(), '0'), delivered(classification(), '1')]);
    await consumer.handle([delivered(classification(), '0')]);
    expect(published.get(Topics.incidents.name)).toHaveLength(1);
    expect(published.get(Topics.findings.name)).toHaveLength(1);
    expect((await incidents.list({})).items).toHaveLength(1);
  });

  it('publishes nothing for a false positive', async () => {
    const { consumer, published, incidents } = await setup();
    await consumer.handle([delivered(classification({ verdict: 'false_positive' }), '0')]);
    expect(published.size).toBe(0);
    expect((await incidents.list({})).items).toHaveLength(0);
  });
});
