import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnomalyV1 } from '@flowguard/contracts';
import { UsageError, intOption, timeOption } from './cli-args';
import { toFindingLine, toOcsfDetectionFinding } from './findings.format';
import { loadThreatIntel } from './threat-intel.loader';

const anomaly: AnomalyV1 = {
  anomalyId: 'brute-force.abc123.1735700000', detector: 'brute-force', severity: 'high', confidence: 0.72, score: 3.1,
  actor: '198.51.100.9', targets: ['10.20.0.30'], ports: [22], protocol: 6, firstSeen: 1735700000, lastSeen: 1735701800,
  mitre: ['T1110.001'], summary: '600 SSH attempts', signals: [{ name: 'attempts', value: 600, threshold: 20 }],
  evidence: [{ interfaceId: 'eni-1', srcAddr: '198.51.100.9', dstAddr: '10.20.0.30', srcPort: 40000, dstPort: 22, protocol: 6, packets: 14, bytes: 2900, start: 1735700000, end: 1735700003, action: 'ACCEPT', tcpFlags: 3 }],
  context: { accountId: '123456789012', region: 'us-east-1' }, occurrences: 3, status: 'open', updatedAt: 1735702000000,
};

describe('finding formats', () => {
  it('JSON Lines: flat fields, Unix seconds, actor null when absent', () => {
    const line = toFindingLine(anomaly);
    expect(line).toMatchObject({
      id: anomaly.anomalyId, detector: 'brute-force', severity: 'high', confidence: 0.72, actor: '198.51.100.9',
      targets: ['10.20.0.30'], ports: [22], start: 1735700000, end: 1735701800, mitre: ['T1110.001'], summary: '600 SSH attempts',
    });
    expect(line.evidence).toHaveLength(1);
    expect(toFindingLine({ ...anomaly, actor: null }).actor).toBeNull();
  });

  it('OCSF Detection Finding: class, type, severity, ms times, technique with parent and tactic', () => {
    const o = toOcsfDetectionFinding(anomaly, '0.1.0') as { finding_info: { attacks: unknown }; evidences: unknown[]; observables: unknown };
    expect(o).toMatchObject({
      class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, severity_id: 4, status_id: 1,
      confidence_score: 72, confidence_id: 2, start_time: 1735700000000, end_time: 1735701800000, time: 1735702000000,
      cloud: { provider: 'AWS', account: { uid: '123456789012' }, region: 'us-east-1' },
    });
    expect(o.finding_info.attacks).toEqual([{
      technique: { uid: 'T1110', name: 'Brute Force' }, sub_technique: { uid: 'T1110.001', name: expect.any(String) },
      tactic: { name: 'Credential Access' },
    }]);
    expect(o.evidences[0]).toMatchObject({ src_endpoint: { ip: '198.51.100.9', port: 40000 }, dst_endpoint: { ip: '10.20.0.30', port: 22 }, connection_info: { protocol_num: 6, tcp_flags: 3 } });
    expect(o.observables).toEqual([
      { name: 'actor', type_id: 2, type: 'IP Address', value: '198.51.100.9' },
      { name: 'target', type_id: 2, type: 'IP Address', value: '10.20.0.30' },
    ]);
    expect((toOcsfDetectionFinding({ ...anomaly, status: 'suppressed' }, '0.1.0') as Record<string, unknown>)['status_id']).toBe(3);
  });
});

describe('option parsing', () => {
  it('accepts 10e6 and 10_000_000 for counts, rejects fractions', () => {
    expect(intOption('records', '10e6', 1, 1)).toBe(10_000_000);
    expect(intOption('records', '10_000_000', 1, 1)).toBe(10_000_000);
    expect(() => intOption('records', '1.5', 1, 1)).toThrow(UsageError);
    expect(intOption('records', undefined, 7, 1)).toBe(7);
  });

  it('reads --start as Unix seconds or ISO', () => {
    expect(timeOption('start', '1735689600')).toBe(1735689600);
    expect(timeOption('start', '2025-01-01T00:00:00Z')).toBe(1735689600);
  });
});

describe('loadThreatIntel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-intel-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds intel.json lists and plain custom lists to the bundled snapshots', () => {
    writeFileSync(join(dir, 'intel.json'), JSON.stringify({ miningPools: ['192.0.2.10'], malicious: ['192.0.2.200'] }));
    writeFileSync(join(dir, 'blocklist.txt'), '# mine\n203.0.113.0/24 scanners\n');
    const ti = loadThreatIntel([join(dir, 'intel.json'), join(dir, 'blocklist.txt')]);
    expect(ti.miningPool('192.0.2.10')).toBe(true);
    expect(ti.listed('192.0.2.200')?.list).toMatch(/intel\.json#malicious/);
    expect(ti.listed('203.0.113.77')).toMatchObject({ reason: 'scanners' });
    expect(ti.torExit('185.220.101.28')).toBe(true); // bundled snapshot
    expect(ti.listed('8.8.8.8')).toBeNull();
  });

  it('rejects unreadable or malformed intel files as usage errors', () => {
    writeFileSync(join(dir, 'bad.json'), '{"torExits": "1.2.3.4"}');
    expect(() => loadThreatIntel([join(dir, 'bad.json')])).toThrow(/"torExits" must be an array of strings/);
    expect(() => loadThreatIntel([join(dir, 'missing.json')])).toThrow(UsageError);
  });
});
