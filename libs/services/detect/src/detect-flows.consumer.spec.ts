import { batchFromRecords, Topics, type AnomalyV1, type FlowBatch, type FlowRecord, type TopicDef } from '@flowguard/contracts';
import { defaultDetectionConfig } from '@flowguard/detection';
import type { Bus, Delivered, PublishOptions } from '@flowguard/messaging';
import { EmbeddedAnomalyRepository, type AnomalyRepository } from '@flowguard/persistence';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import pino from 'pino';
import { DetectFlowsConsumer, INPUT_TS_HEADER } from './detect-flows.consumer';
import { DetectLanes } from './lanes/detect-lanes';
import { stampHeaders } from './repartition/origin-stamp';

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

/** A by-src sub-batch as the repartition stage stamps it: origin 0, one input message at `inputOffset`. */
const delivered = (value: FlowBatch, offset: string, inputOffset = Number(offset)): Delivered<FlowBatch> => ({
  value,
  meta: {
    topic: Topics.flowsBySource.name, partition: 2, offset, key: null, timestamp: 0,
    headers: stampHeaders({ origin: 0, rows: value.length ? [[inputOffset, value.length]] : [], last: inputOffset, progress: 1_700_000_040, progressTs: 1_234 }),
  },
});

function setup(failUpserts = 0) {
  const published: Array<{ anomaly: AnomalyV1; headers: Record<string, string> | undefined }> = [];
  const bus: Bus = {
    publish: async <T>(topic: TopicDef<T>, messages: ReadonlyArray<T>, options?: PublishOptions) => {
      if (topic.name !== Topics.anomalies.name) return;
      for (const m of messages) published.push({ anomaly: m as unknown as AnomalyV1, headers: options?.headers });
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
    // one expected origin, never idle: windows close on the data or at shutdown only
    const lanes = new DetectLanes({ config: defaultDetectionConfig(), now: () => 1_700_000_100_000, idleMs: 0, expectedOrigins: 1 });
    const consumer = new DetectFlowsConsumer(
      bus, anomalies, lanes, { idleFlushMs: 0 }, {} as ConsumersService, new MetricsService('detect', false), pino({ level: 'silent' }),
    );
    return { consumer, lanes, published, embedded };
  });
}

describe('DetectFlowsConsumer', () => {
  it('turns a scan into a stored and published port-scan anomaly when the lanes flush', async () => {
    const { consumer, published, embedded } = await setup();
    await consumer.handle('src', [delivered(scan(), '0')]);
    await consumer.flush('shutdown');
    const found = published.find((p) => p.anomaly.detector === 'port-scan');
    expect(found?.anomaly).toMatchObject({ actor: '172.16.0.1', targets: ['192.168.10.50'] });
    expect(await embedded.get(found?.anomaly.anomalyId as string)).toMatchObject({ detector: 'port-scan' });
  });

  it('stamps anomalies closed by input with the broker time of that input', async () => {
    const { consumer, published } = await setup();
    await consumer.handle('src', [delivered(scan(), '0')]);
    // the origin moves 20 minutes on: the scan's windows close on event time, not on a flush
    const later = batchFromRecords([{
      version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', srcPort: 40000, dstPort: 443,
      protocol: 6, packets: 5, bytes: 900, start: 1_700_001_240, end: 1_700_001_241, action: 'ACCEPT', logStatus: 'OK',
    }]);
    const d = delivered(later, '1');
    const headers = { ...d.meta.headers, ...stampHeaders({ origin: 0, rows: [[1, 1]], last: 1, progress: 1_700_001_240, progressTs: 9_999 }) };
    await consumer.handle('src', [{ value: later, meta: { ...d.meta, headers } }]);
    const found = published.find((p) => p.anomaly.detector === 'port-scan');
    expect(found?.headers).toEqual({ [INPUT_TS_HEADER]: '9999' });
  });

  it('does not feed a redelivered message, or a re-published input, to the engine twice', async () => {
    const { consumer, lanes } = await setup();
    const b = scan();
    await consumer.handle('src', [delivered(b, '7')]);
    await consumer.handle('src', [delivered(b, '7')]); // the same repartition message again
    await consumer.handle('src', [delivered(b, '8', 7)]); // the same input message, published again
    await consumer.flush('shutdown');
    const [lane] = lanes.stats();
    expect(lane?.engine.records).toBe(b.length);
    expect(lane?.duplicateRows).toBe(b.length);
  });

  it('keeps anomalies whose write failed and emits them on the next attempt', async () => {
    const { consumer, published, embedded } = await setup(1);
    await consumer.handle('src', [delivered(scan(), '0')]);
    await expect(consumer.flush('shutdown')).rejects.toThrow(/Throughput/);
    expect(published).toEqual([]);
    await consumer.flush('shutdown'); // nothing new closes, but the pending anomalies go out
    const found = published.find((p) => p.anomaly.detector === 'port-scan');
    expect(found).toBeDefined();
    expect(await embedded.get(found?.anomaly.anomalyId as string)).not.toBeNull();
  });
});
