import { batchFromRecords, Mark, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { FlowEnricher } from '../enrich/flow.enricher';
import { buildAwsIpRanges } from '../filter/aws-ip-ranges';
import { NoiseFilter } from '../filter/noise.filter';
import { CountingMetrics } from '../ports/ingest.port';
import { flowPipelineSink } from './flow-pipeline.sink';

const r = (o: Partial<FlowRecord>): FlowRecord => ({
  interfaceId: 'eni-a', srcAddr: '10.0.0.5', dstAddr: '198.51.100.7', srcPort: 40000, dstPort: 443, protocol: 6, packets: 5, bytes: 500,
  start: 1, end: 60, action: 'ACCEPT', logStatus: 'OK', ...o,
});

it('marks threat intel before filtering, enriches the detection rows, publishes both outputs before resolving', async () => {
  const ranges = buildAwsIpRanges({ prefixes: [{ ip_prefix: '52.216.0.0/15', service: 'S3' }] });
  const published: FlowBatch[] = [];
  const stored: FlowBatch[] = [];
  const metrics = new CountingMetrics();
  const sink = flowPipelineSink({
    threatIntel: { torExit: () => false, torRelay: () => false, miningPool: () => false, listed: (ip) => (ip === '52.217.0.9' ? { list: 'ioc' } : null) },
    filter: new NoiseFilter({ awsServices: { ranges }, storageSampling: { rate: 0 } }),
    enricher: new FlowEnricher({ geo: { country: () => 'NL' } }),
    publishDetection: async (b) => void published.push(b),
    store: async (b) => void stored.push(b),
    metrics,
  });
  await sink(batchFromRecords([
    r({ srcPort: 1 }),
    r({ srcPort: 2, dstAddr: '52.217.0.1' }), // S3: out of detection, sampled out of storage
    r({ srcPort: 3, dstAddr: '52.217.0.9' }), // S3 but on a threat list: protected
  ]), { source: 'kinesis', position: 'p', key: 'k' });
  expect(Array.from(published[0]!.srcPort.subarray(0, published[0]!.length))).toEqual([1, 3]);
  expect(published[0]!.marks[1]! & Mark.DST_THREAT_LIST).toBeTruthy();
  expect(published[0]!.textValue('dst-country', 0)).toBe('NL');
  expect(published[0]!.marks[0]! & Mark.ENRICHED).toBeTruthy();
  expect(stored[0]!.length).toBe(2);
  expect(metrics.get('ingest_filter_dropped_detection_total{path=kinesis,reason=aws_service}')).toBe(1);
});

it('rejects when a publish fails, so the delivery path does not acknowledge', async () => {
  const sink = flowPipelineSink({ publishDetection: async () => { throw new Error('broker down'); }, store: async () => undefined });
  await expect(sink(batchFromRecords([r({})]), { source: 'firehose', position: 'p', key: 'k' })).rejects.toThrow(/broker down/);
});
