/**
 * Message factories for bus tests and benchmarks: valid control-plane messages
 * and realistic flow batches, without reading files from another project.
 */
import { seededRandom } from '@flowguard/util';
import { batchFromRecords, type AnomalyV1, type FlowBatch, type FlowRecord } from '@flowguard/contracts';

/** A valid AnomalyV1 whose partition key is `anomalyId` and whose `occurrences` carries a sequence number. */
export function sampleAnomaly(anomalyId: string, seq = 1): AnomalyV1 {
  return {
    anomalyId,
    detector: 'port-scan',
    severity: 'medium',
    confidence: 0.9,
    score: 0.82,
    actor: '172.16.0.1',
    targets: ['192.168.10.50'],
    ports: [21, 22, 80, 443],
    protocol: 6,
    firstSeen: 1_499_446_560,
    lastSeen: 1_499_446_620,
    mitre: ['T1046'],
    summary: `172.16.0.1 probed ports of 192.168.10.50 (update ${seq})`,
    signals: [{ name: 'distinct_ports', value: 143, threshold: 20 }],
    evidence: [
      {
        interfaceId: 'eni-27bfb1be555a4d502', srcAddr: '172.16.0.1', dstAddr: '192.168.10.50', srcPort: 46_031,
        dstPort: 443, protocol: 6, packets: 1, bytes: 40, start: 1_499_446_600, end: 1_499_446_601, action: 'ACCEPT',
      },
    ],
    occurrences: seq,
    status: 'open',
    updatedAt: 1_499_446_680_000 + seq,
  } as AnomalyV1;
}


const COMMON_PORTS = [443, 80, 53, 22, 123, 3306, 5432, 6379, 8080, 9092];

/**
 * Realistic v2-style flow records: a few hundred hosts in a /16 talking to a
 * few thousand peers, mostly common ports, ephemeral source ports, a sprinkle
 * of REJECTs and NODATA rows, some v5 text fields.
 */
export function sampleFlowRecords(count: number, seed = 1, startTime = 1_700_000_000): FlowRecord[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const enis = Array.from({ length: 24 }, (_, i) => `eni-0${(0x1a2b3c4d + i * 7919).toString(16)}a9f0e1c`);
  const out: FlowRecord[] = [];
  for (let i = 0; i < count; i++) {
    const eni = pick(enis);
    const internal = `10.0.${Math.floor(rnd() * 8)}.${Math.floor(rnd() * 254) + 1}`;
    const external = rnd() < 0.6 ? `10.0.${Math.floor(rnd() * 8)}.${Math.floor(rnd() * 254) + 1}` : `${Math.floor(rnd() * 223) + 1}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 254) + 1}`;
    const outbound = rnd() < 0.5;
    const port = rnd() < 0.85 ? pick(COMMON_PORTS) : Math.floor(rnd() * 65_535) + 1;
    const eph = 32_768 + Math.floor(rnd() * 28_000);
    const start = startTime + Math.floor(i / 50);
    if (rnd() < 0.01) {
      out.push({ accountId: '123456789012', interfaceId: eni, start, end: start + 60, logStatus: 'NODATA' });
      continue;
    }
    const packets = 1 + Math.floor(rnd() * 40);
    out.push({
      version: 5,
      accountId: '123456789012',
      interfaceId: eni,
      srcAddr: outbound ? internal : external,
      dstAddr: outbound ? external : internal,
      srcPort: outbound ? eph : port,
      dstPort: outbound ? port : eph,
      protocol: rnd() < 0.9 ? 6 : 17,
      packets,
      bytes: packets * (40 + Math.floor(rnd() * 1400)),
      start,
      end: start + Math.floor(rnd() * 60),
      action: rnd() < 0.07 ? 'REJECT' : 'ACCEPT',
      logStatus: 'OK',
      tcpFlags: pick([2, 18, 19, 3, 1, 4]),
      flowDirection: outbound ? 'egress' : 'ingress',
      trafficPath: outbound ? pick([1, 8]) : undefined,
      fields: { 'vpc-id': 'vpc-0a1b2c3d4e5f60718', 'subnet-id': `subnet-0${eni.slice(5, 12)}`, region: 'eu-west-1', 'az-id': 'euw1-az1' },
    });
  }
  return out;
}

export function sampleFlowBatch(count: number, seed = 1): FlowBatch {
  return batchFromRecords(sampleFlowRecords(count, seed));
}
