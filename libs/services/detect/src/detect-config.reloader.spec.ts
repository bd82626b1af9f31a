import { batchFromRecords, Topics, type FlowRecord } from '@flowguard/contracts';
import { defaultDetectionConfig, type DetectionConfig } from '@flowguard/detection';
import { MetricsService } from '@flowguard/service-kit';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DetectConfigReloader } from './detect-config.reloader';
import { DetectLanes } from './lanes/detect-lanes';
import { stampHeaders } from './repartition/origin-stamp';

/** 200 rejected probes from one source to 200 ports of one host within 40 s. */
const scan = (): FlowRecord[] => Array.from({ length: 200 }, (_, i) => ({
  version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: '172.16.0.1', dstAddr: '192.168.10.50',
  srcPort: 40000 + i, dstPort: i + 1, protocol: 6, packets: 1, bytes: 44, start: 1_700_000_000 + Math.floor(i / 5), end: 1_700_000_001 + Math.floor(i / 5),
  action: 'REJECT', logStatus: 'OK',
}));
const meta = (offset: number, rows: number) => ({
  topic: Topics.flowsBySource.name, partition: 2, offset: String(offset), key: null, timestamp: 0,
  headers: stampHeaders({ origin: 0, rows: [[offset, rows]], last: offset, progress: 1_700_000_040, progressTs: 1 }),
});

function setup(initial: DetectionConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'fg-detect-cfg-'));
  const file = join(dir, 'detect.json');
  writeFileSync(file, JSON.stringify(initial));
  const lanes = new DetectLanes({ config: initial, now: () => 1_700_000_100_000, idleMs: 0, expectedOrigins: 1 });
  const metrics = new MetricsService('detect', false);
  const reloader = new DetectConfigReloader({ configFile: file, idleFlushMs: 0, reloadMs: 1000 }, initial, lanes, metrics, pino({ level: 'silent' }));
  let mtime = Date.now() / 1000;
  // a new mtime each write, so the change is seen even within one clock tick
  const write = (text: string) => {
    writeFileSync(file, text);
    mtime += 10;
    utimesSync(file, mtime, mtime);
  };
  return { lanes, reloader, write, metrics };
}

const pentest = { id: 'pentest', owner: 'secops@example.com', reason: 'pen test', detectors: ['port-scan' as const], cidrs: ['172.16.0.0/16'] };

describe('DetectConfigReloader', () => {
  it('puts new suppression rules into running lanes: the next anomaly is suppressed', () => {
    const base = defaultDetectionConfig();
    const { lanes, reloader, write } = setup(base);
    lanes.ingest('src', { value: batchFromRecords(scan()), meta: meta(0, 200) });
    expect(reloader.check()).toBe('unchanged');
    write(JSON.stringify({ ...base, suppressions: [pentest] }));
    expect(reloader.check()).toBe('applied');
    expect(reloader.current).toMatchObject({ suppressions: 1, allowList: 0, problem: null });
    const out = lanes.flushAll().filter((a) => a.detector === 'port-scan');
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((a) => a.status === 'suppressed' && a.suppressedBy === 'pentest')).toBe(true);
  });

  it('keeps the rules in force when the new file is invalid, and says why', () => {
    const base = { ...defaultDetectionConfig(), suppressions: [pentest] };
    const { reloader, write, metrics } = setup(base);
    write('{ not json');
    expect(reloader.check()).toBe('invalid');
    expect(reloader.current.problem).toMatch(/not applied: cannot read .* as JSON/);
    expect(reloader.current.suppressions).toBe(1);
    write(JSON.stringify({ ...base, suppressions: [{ ...pentest, owner: '' }] }));
    expect(reloader.check()).toBe('invalid');
    return metrics.render().then((m) => expect(m.body).toMatch(/flowguard_detect_config_reloads_total\{outcome="invalid",service="detect"\} 2/));
  });

  it('applies the rules of a file whose thresholds changed too, and reports that those wait for a restart', () => {
    const base = defaultDetectionConfig();
    const { reloader, write } = setup(base);
    const next = defaultDetectionConfig();
    next.detectors['port-scan'].minDistinctPorts = base.detectors['port-scan'].minDistinctPorts + 5;
    next.allowList = [{ id: 'scanner', owner: 'it', reason: 'vulnerability scanner', cidr: '10.9.9.9/32', side: 'source' }];
    write(JSON.stringify(next));
    expect(reloader.check()).toBe('applied_restart_needed');
    expect(reloader.current).toMatchObject({ allowList: 1, problem: expect.stringMatching(/apply after a restart/) });
  });
});
