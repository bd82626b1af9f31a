import { parseFlowLogText } from '@flowguard/flowlog';
import { generateScanSample, SCAN_SAMPLE_DEFAULTS } from './scan-sample.generator';

describe('scan sample generator', () => {
  it('is deterministic and parses without errors', () => {
    const a = generateScanSample();
    expect(generateScanSample()).toBe(a);
    expect(generateScanSample({ seed: 2 })).not.toBe(a);
    const r = parseFlowLogText(a);
    expect(r.errors).toEqual([]);
    expect(r.counts.headers).toBe(1);
    expect(r.batch.length).toBeGreaterThan(SCAN_SAMPLE_DEFAULTS.ports);
  });

  it('probes the requested number of distinct ports of the target from the scanner', () => {
    const r = parseFlowLogText(generateScanSample({ ports: 120 }));
    const ports = new Set<number>();
    for (let i = 0; i < r.batch.length; i++) {
      if (r.batch.src(i) === '172.16.0.1' && r.batch.dst(i) === '192.168.10.50') ports.add(r.batch.dstPort[i] as number);
    }
    expect(ports.size).toBe(120);
    expect(ports.has(22) && ports.has(80) && ports.has(443)).toBe(true);
  });
});
