import { batchFromRecords, Mark, recordAt, type FlowRecord } from '@flowguard/contracts';
import { AllowListError } from './allow-list';
import { buildAwsIpRanges } from './aws-ip-ranges';
import { NoiseFilter, type NoiseFilterConfig } from './noise.filter';

const ranges = buildAwsIpRanges({
  prefixes: [
    { ip_prefix: '52.216.0.0/15', service: 'AMAZON' }, { ip_prefix: '52.216.0.0/15', service: 'S3' },
    { ip_prefix: '3.0.0.0/9', service: 'EC2' }, { ip_prefix: '3.0.0.0/9', service: 'AMAZON' },
    { ip_prefix: '107.23.255.0/26', service: 'ROUTE53_HEALTHCHECKS' },
  ],
  ipv6_prefixes: [{ ipv6_prefix: '2600:1f18::/33', service: 'DYNAMODB' }],
});

const NOW = Date.parse('2026-11-21T00:00:00Z');
const r = (o: Partial<FlowRecord>): FlowRecord => ({
  version: 2, accountId: '111122223333', interfaceId: 'eni-app', srcAddr: '10.0.1.5', dstAddr: '10.0.2.9', srcPort: 40000, dstPort: 443,
  protocol: 6, packets: 10, bytes: 2000, start: 1, end: 61, action: 'ACCEPT', logStatus: 'OK', ...o,
});
const ids = (b: { length: number }, batch: import('@flowguard/contracts').FlowBatch) => Array.from({ length: b.length }, (_, i) => recordAt(batch, i).srcPort);

function run(records: FlowRecord[], config: NoiseFilterConfig, now = NOW) {
  const batch = batchFromRecords(records);
  const res = new NoiseFilter(config).apply(batch, now);
  return { ...res, det: ids(res.detection, res.detection), sto: ids(res.storage, res.storage) };
}

describe('NoiseFilter', () => {
  it('drops small accepted traffic to AWS endpoint services from detection, keeps large transfers, REJECTs and EC2 peers', () => {
    const res = run([
      r({ srcPort: 1, dstAddr: '52.217.4.4' }), // S3, small
      r({ srcPort: 2, dstAddr: '52.217.4.4', bytes: 50e6, packets: 40000 }), // S3, large: exfil must stay visible
      r({ srcPort: 3, dstAddr: '52.217.4.4', action: 'REJECT' }),
      r({ srcPort: 4, dstAddr: '3.1.2.3' }), // EC2: could be anyone's instance
      r({ srcPort: 5, dstAddr: '2600:1f18::9' }), // DynamoDB over IPv6
      r({ srcPort: 6, dstAddr: '8.8.8.8', fields: { 'pkt-dst-aws-service': 'S3' } }), // v5 field says S3
    ], { awsServices: { ranges }, storageSampling: { rate: 0 } });
    expect(res.det).toEqual([2, 3, 4]);
    expect(res.counts.droppedFromDetection.aws_service).toBe(3);
    expect(res.counts.marked.awsService).toBe(1);
    expect(res.sto).toEqual([2, 3, 4]);
    expect(res.counts.sampledOutOfStorage.aws_service).toBe(3);
    expect(recordAt(res.detection, 0).marks! & Mark.DST_AWS_SERVICE).toBeTruthy();
    expect(recordAt(res.detection, 2).marks ?? 0).toBe(0);
  });

  it('marks Route 53 and load-balancer health checks; drops them only in drop mode', () => {
    const recs = [
      r({ srcPort: 1, srcAddr: '107.23.255.10', dstAddr: '10.0.2.9', dstPort: 80, packets: 6, bytes: 400 }),
      r({ srcPort: 2, srcAddr: '10.0.9.4', dstAddr: '10.0.2.9', dstPort: 8080, packets: 6, bytes: 400 }), // LB → target
      r({ srcPort: 8080, srcAddr: '10.0.2.9', dstAddr: '10.0.9.4', dstPort: 33333, packets: 5, bytes: 600 }), // target → LB
      r({ srcPort: 4, srcAddr: '10.0.9.4', dstAddr: '10.0.2.9', dstPort: 22, packets: 6, bytes: 400 }), // LB IP, wrong port
      r({ srcPort: 5, srcAddr: '10.0.9.4', dstAddr: '10.0.2.9', dstPort: 8080, packets: 900, bytes: 900_000 }), // real traffic
    ];
    const hc = { lbCidrs: ['10.0.9.0/24'], ports: [8080] };
    const mark = run(recs, { awsServices: { ranges }, healthChecks: hc, storageSampling: { rate: 0 } });
    expect(mark.det).toEqual([1, 2, 8080, 4, 5]);
    expect(mark.counts.marked.healthCheck).toBe(3);
    expect(mark.detection.marks[0]! & Mark.HEALTH_CHECK).toBeTruthy();
    expect(mark.detection.marks[3]! & Mark.HEALTH_CHECK).toBeFalsy();
    expect(mark.sto).toEqual([4, 5]);
    const drop = run(recs, { awsServices: { ranges }, healthChecks: { ...hc, mode: 'drop' }, storageSampling: { rate: 0 } });
    expect(drop.det).toEqual([4, 5]);
    expect(drop.counts.droppedFromDetection).toMatchObject({ health_check_route53: 1, health_check_lb: 2 });
  });

  it('applies allow-list entries by CIDR, port, ENI, account, direction and tag, ignoring expired ones', () => {
    const recs = [
      r({ srcPort: 1, srcAddr: '192.0.2.7', action: 'REJECT' }), // the team's scanner
      r({ srcPort: 2, dstPort: 5432 }),
      r({ srcPort: 3, interfaceId: 'eni-backup', flowDirection: 'egress' }),
      r({ srcPort: 4, interfaceId: 'eni-backup', flowDirection: 'ingress' }),
      r({ srcPort: 5, accountId: '999988887777' }),
      r({ srcPort: 6, fields: { 'instance-tag': 'env=prod,team=scanner' } }),
      r({ srcPort: 7, dstAddr: '203.0.113.5' }),
      r({ srcPort: 8, fields: { 'instance-tag': 'env=prod,team=scanner2' } }),
    ];
    const allowList = [
      { id: 'scanner', owner: 'secops', reason: 'weekly authorised scan', match: { srcCidr: '192.0.2.0/24' } },
      { id: 'pg', owner: 'dba', reason: 'replication', match: { dstPort: 5432, dstCidr: '10.0.0.0/16' } },
      { id: 'backup', owner: 'ops', reason: 'nightly backup', match: { eni: 'eni-backup', direction: 'egress' as const } },
      { id: 'sandbox', owner: 'ops', reason: 'sandbox account', match: { account: '999988887777' } },
      { id: 'tagged', owner: 'ops', reason: 'scanner fleet', match: { tag: 'team=scanner' } },
      { id: 'old', owner: 'ops', reason: 'expired exception', expiresAt: '2026-01-01T00:00:00Z', match: { cidr: '203.0.113.0/24' } },
    ];
    const res = run(recs, { allowList, storageSampling: { rate: 0 } });
    expect(res.det).toEqual([4, 7, 8]);
    expect(res.counts.allowListHits).toEqual({ scanner: 1, pg: 1, backup: 1, sandbox: 1, tagged: 1 });
    expect(res.counts.expiredAllowEntries).toEqual(['old']);
    // the REJECTed scanner rows are not "established": they stay in storage
    expect(res.sto).toEqual([1, 4, 7, 8]);
    // before its expiry the old entry applies
    expect(run(recs, { allowList }, Date.parse('2025-06-01T00:00:00Z')).det).toEqual([4, 8]);
  });

  it('rejects malformed allow-list entries at construction', () => {
    const base = { id: 'x', owner: 'o', reason: 'r' };
    expect(() => new NoiseFilter({ allowList: [{ ...base, match: {} }] })).toThrow(/at least one/);
    expect(() => new NoiseFilter({ allowList: [{ ...base, owner: '', match: { port: 1 } }] })).toThrow(AllowListError);
    expect(() => new NoiseFilter({ allowList: [{ ...base, match: { cidr: '10.0.0.0/40' } }] })).toThrow(/CIDR/);
    expect(() => new NoiseFilter({ allowList: [{ ...base, match: { port: 70000 } }] })).toThrow(/port/);
    expect(() => new NoiseFilter({ allowList: [{ ...base, expiresAt: 'soon', match: { port: 1 } }] })).toThrow(/date/);
    expect(() => new NoiseFilter({ allowList: [{ ...base, match: { port: 1 } }, { ...base, match: { port: 2 } }] })).toThrow(/duplicate/);
  });

  it('never touches telemetry or threat-marked rows', () => {
    const res = run([
      r({ srcPort: 1, logStatus: 'SKIPDATA', action: undefined, srcAddr: undefined, dstAddr: undefined }),
      r({ srcPort: 2, dstAddr: '52.217.4.4', marks: Mark.DST_THREAT_LIST }),
      r({ srcPort: 3, srcAddr: '107.23.255.10', packets: 1, bytes: 40, marks: Mark.SRC_TOR_EXIT }),
    ], { awsServices: { ranges }, healthChecks: { mode: 'drop' } });
    expect(res.det).toEqual([1, 2, 3]);
    expect(res.sto).toEqual([1, 2, 3]);
    expect(res.counts.protectedRows).toBe(3);
  });

  it('samples benign established rows for storage deterministically, by flow, near the configured rate', () => {
    const recs = Array.from({ length: 20_000 }, (_, i) => r({ srcPort: 1024 + (i % 10_000), dstAddr: '52.217.4.4' }));
    const a = run(recs, { awsServices: { ranges } });
    const b = run(recs, { awsServices: { ranges } });
    expect(a.sto).toEqual(b.sto);
    // each flow appears twice: sampling keeps or drops both copies together
    expect(a.sto.length % 2).toBe(0);
    expect(a.sto.length / recs.length).toBeGreaterThan(0.005);
    expect(a.sto.length / recs.length).toBeLessThan(0.015);
    expect(a.storage.marks[0]! & Mark.SAMPLED).toBeTruthy();
    expect(a.counts.sampledOutOfStorage.aws_service + a.counts.storage).toBe(recs.length);
    const c = run(recs, { awsServices: { ranges }, storageSampling: { seed: 'other' } });
    expect(c.sto).not.toEqual(a.sto);
    // lone SYNs / RSTs of a few packets are attempts, not established: never sampled away; SYN+FIN is a whole connection
    const syn = run([
      r({ srcPort: 1, dstAddr: '52.217.4.4', tcpFlags: 2, packets: 1, bytes: 60 }),
      r({ srcPort: 2, dstAddr: '52.217.4.4', tcpFlags: 4, packets: 1, bytes: 40 }),
      r({ srcPort: 3, dstAddr: '52.217.4.4', tcpFlags: 3, packets: 8, bytes: 900 }),
      r({ srcPort: 4, dstAddr: '52.217.4.4', tcpFlags: 2, packets: 400, bytes: 90_000 }),
    ], { awsServices: { ranges }, storageSampling: { rate: 0 } });
    expect(syn.sto).toEqual([1, 2]);
  });

  it('keeps detection and storage batches consistent with the input (columns, strings, extra fields)', () => {
    const res = run([r({ srcPort: 1, fields: { 'vpc-id': 'vpc-1' } }), r({ srcPort: 2, dstAddr: '52.217.4.4', fields: { 'vpc-id': 'vpc-2' } })], { awsServices: { ranges }, storageSampling: { rate: 0 } });
    expect(res.detection.length).toBe(1);
    expect(recordAt(res.detection, 0)).toMatchObject({ srcPort: 1, dstAddr: '10.0.2.9', fields: { 'vpc-id': 'vpc-1' } });
  });

  it('names the input rows of the detection batch (null when nothing was dropped), so callers can skip the copy', () => {
    const records = [r({ srcPort: 1 }), r({ srcPort: 2, dstAddr: '52.217.4.4' }), r({ srcPort: 3, action: 'REJECT', dstAddr: '52.217.4.4' })];
    const batch = batchFromRecords(records);
    const res = new NoiseFilter({ awsServices: { ranges } }).apply(batch, NOW);
    expect(Array.from(res.detectionRows ?? [])).toEqual([0, 2]);
    expect(ids(res.detection, res.detection)).toEqual([1, 3]);
    const kept = new NoiseFilter({ awsServices: { ranges } }).apply(batchFromRecords([r({ srcPort: 1 })]), NOW);
    expect(kept.detectionRows).toBeNull();
    expect(kept.detection.length).toBe(1);
  });
});
