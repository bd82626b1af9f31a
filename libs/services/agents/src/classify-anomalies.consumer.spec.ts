import { OfflineThreatClassifier } from '@flowguard/agents';
import { Topics, type AnomalyV1, type ThreatClassificationV1, type TopicDef } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import pino from 'pino';
import { ClassifyAnomaliesConsumer } from './classify-anomalies.consumer';

const anomaly = (id: string): AnomalyV1 => ({
  anomalyId: id, detector: 'port-scan', severity: 'medium', confidence: 0.9, score: 10,
  actor: '172.16.0.1', targets: ['192.168.10.50'], ports: [22], firstSeen: 1, lastSeen: 2, mitre: ['T1046'],
  summary: 'scan', signals: [{ name: 'distinct_dst_ports', value: 200, threshold: 20 }], evidence: [], occurrences: 1, status: 'open', updatedAt: 1,
});

describe('ClassifyAnomaliesConsumer', () => {
  it('classifies each delivered anomaly and publishes contract-valid classifications', async () => {
    const out: ThreatClassificationV1[] = [];
    const bus: Bus = {
      publish: async <T>(topic: TopicDef<T>, messages: ReadonlyArray<T>) => {
        if (topic.name === Topics.classifications.name) out.push(...(messages as unknown as ThreatClassificationV1[]));
      },
      subscribe: async () => ({ stop: async () => undefined }),
      health: async () => ({ ok: true }),
      close: async () => undefined,
    };
    const metrics = new MetricsService('agents', false);
    const consumer = new ClassifyAnomaliesConsumer(bus, new OfflineThreatClassifier(() => 5), {} as ConsumersService, metrics, pino({ level: 'silent' }));
    const batch: Delivered<AnomalyV1>[] = ['anomaly-0001', 'anomaly-0002'].map((id, i) => ({
      value: anomaly(id), meta: { topic: Topics.anomalies.name, partition: 0, offset: String(i), key: id, headers: {}, timestamp: 0 },
    }));
    await consumer.handle(batch);
    expect(out.map((c) => c.anomaly.anomalyId)).toEqual(['anomaly-0001', 'anomaly-0002']);
    for (const c of out) expect(Topics.classifications.codec.decode(Topics.classifications.codec.encode(c)).ok).toBe(true);
    expect((await metrics.render()).body).toMatch(/flowguard_agents_classifications_total\{provider="offline",verdict="true_positive",severity="high",service="agents"\} 2/);
  });
});
