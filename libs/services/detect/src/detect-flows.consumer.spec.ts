import { batchFromRecords, Topics, type AnomalyV1, type FlowBatch, type FlowRecord, type TopicDef } from '@flowguard/contracts';
import { DetectionEngine, defaultDetectionConfig } from '@flowguard/detection';
import type { Bus, Delivered } from '@flowguard/messaging';
import { EmbeddedAnomalyRepository, type AnomalyRepository } from '@flowguard/persistence';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import pino from 'pino';
import { DetectFlowsConsumer } from './detect-flows.consumer';

/** 200 SYN probes from one source to 200 ports of one host within 40 s. */
function scan(): FlowBatch {
  const records: FlowRecord[] = [];
  for (let p = 1; p <= 200; p++) {
    const start = 1_700_000_000 + Math.floor(p / 5);
    records.push({
      version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: '172.16.0.1', dstAddr: '192.168.10.50',
      srcPort: 40000 + p, dstPort: p, protocol: 6, packets: 1, bytes: 44, start, end: start + 1, action: 'REJECT', logStatus: 'OK',
    });
  }
  return batchFromRecords(records);
}

const delivered = (value: FlowBatch, offset: string): Delivered<FlowBatch> => ({
  value, meta: { topic: Topics.flowsEnriched.name, partition: 0, offset, key: null, headers: {}, timestamp: 0 },
});

function setup(failUpserts = 0) {
  const published: AnomalyV1[] = [];
  const bus: Bus = {
    publish: async <T>(topic: TopicDef<T>, messages: ReadonlyArray<T>) => {
      if (topic.name === Topics.anomalies.name) published.push(...(messages as unknown as AnomalyV1[]));
    },
    subscribe: async () => ({ stop: async () => undefined }),
    health: async () => ({ ok: true }),
    close: async () => undefined,
  };
  return EmbeddedAnomalyRepository.open().then((embedded) => {
    let failures = failUpserts;
    // the store double fails the first `failUpserts` writes, like a throttled DynamoDB
    const anomalies: AnomalyRepository = {
      upsert: async (a) => {
        if (failures-- > 0) throw new Error('ProvisionedThroughputExceededException');
        return embedded.upsert(a);
      },
      get: (id) => embedded.get(id),
      list: (q) => embedded.list(q),
    };
    const engine = new DetectionEngine(defaultDetectionConfig(), { now: () => 1_700_000_100_000 });
    const consumer = new DetectFlowsConsumer(
      bus, anomalies, engine, { idleFlushMs: 0 }, {} as ConsumersService, new MetricsService('detect', false), pino({ level: 'silent' }),
    );
    return { consumer, engine, published, embedded };
  });
}

describe('DetectFlowsConsumer', () => {
  it('turns a scan into a stored and published port-scan anomaly when windows close', async () => {
    const { consumer, published, embedded } = await setup();
    await consumer.handle([delivered(scan(), '0')]);
    await consumer.flush('shutdown');
    const scanFinding = published.find((a) => a.detector === 'port-scan');
    expect(scanFinding).toMatchObject({ actor: '172.16.0.1', targets: ['192.168.10.50'] });
    expect(await embedded.get(scanFinding?.anomalyId as string)).toMatchObject({ detector: 'port-scan' });
  });

  it('does not feed a redelivered message to the engine twice', async () => {
    const { consumer, engine } = await setup();
    const b = scan();
    await consumer.handle([delivered(b, '7')]);
    await consumer.handle([delivered(b, '7')]);
    expect(engine.stats().records).toBe(b.length);
  });

  it('keeps anomalies whose write failed and emits them on the next attempt', async () => {
    const { consumer, published, embedded } = await setup(1);
    await consumer.handle([delivered(scan(), '0')]);
    await expect(consumer.flush('shutdown')).rejects.toThrow(/Throughput/);
    expect(published).toEqual([]);
    await consumer.flush('shutdown'); // nothing new closes, but the pending anomalies go out
    const found = published.find((a) => a.detector === 'port-scan');
    expect(found).toBeDefined();
    expect(await embedded.get(found?.anomalyId as string)).not.toBeNull();
  });
});
