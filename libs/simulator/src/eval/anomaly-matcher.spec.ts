import type { GroundTruthEntry } from '../truth/ground-truth';
import { GroundTruthError, parseGroundTruth, toJsonLines } from '../truth/ground-truth';
import { type EvalAnomaly, evaluate } from './anomaly-matcher';
import { formatEvalTable } from './eval-table';

const gt = (over: Partial<GroundTruthEntry> & Pick<GroundTruthEntry, 'id' | 'detector'>): GroundTruthEntry => ({
  kind: 'attack', variant: 'v', direction: 'inbound', actor: null, targets: [], ports: [], protocol: 6, start: 1000, end: 2000,
  intensity: { level: 'high' }, mitre: [], related: [], records: 1, description: '', ...over,
});

const an = (detector: string, actor: string | null, targets: string[], start: number, end = start + 60): EvalAnomaly =>
  ({ detector, actor, targets, start, end });

const TRUTH: GroundTruthEntry[] = [
  gt({ id: 'scan', detector: 'port-scan', actor: '198.51.100.7', targets: ['10.0.0.5'], related: ['port-sweep'] }),
  gt({ id: 'beacon', detector: 'beaconing', actor: '10.0.0.9', targets: ['203.0.113.50'], start: 5000, end: 9000 }),
  gt({ id: 'flood', detector: 'ddos', actors: ['1.1.1.1', '2.2.2.2'], targets: ['10.0.0.1'], start: 3000, end: 3600 }),
  gt({ id: 'missed', detector: 'exfiltration', actor: '10.0.0.20', targets: ['192.0.2.99'], start: 7000, end: 7100 }),
  gt({ id: 'noise', kind: 'noise', detector: 'none', actors: ['100.1.1.1'], targets: ['10.0.0.5'], start: 0, end: 99999 }),
];
const BENIGN = ['10.0.0.30', '10.0.0.31', '10.0.0.32', '8.8.4.4'];

describe('evaluate', () => {
  it('counts TP/FN per event and TP/FP per anomaly, with related and noise kept apart', () => {
    const anomalies = [
      an('port-scan', '198.51.100.7', ['10.0.0.5'], 1500), // tp: actor and time
      an('port-scan', null, ['10.0.0.5'], 2500), // partial: the scan's target, within tolerance, but no actor to attribute
      an('port-sweep', '198.51.100.7', [], 1200), // related to the scan: neither tp nor fp
      an('beaconing', '10.0.0.9', ['203.0.113.50'], 4700), // tp: starts before the event, within tolerance
      an('ddos', null, ['10.0.0.1'], 3100), // tp through the target
      an('ddos', '2.2.2.2', ['10.0.0.77'], 3200), // tp through one of many actors
      an('beaconing', '10.0.0.30', ['8.8.4.4'], 6000), // fp: benign pair
      an('port-scan', '10.0.0.9', ['10.0.0.31'], 6000), // fp: wrong detector for the beacon's actor
      an('port-scan', '100.1.1.1', ['10.0.0.5'], 50000), // noise: background prober
      an('port-scan', '198.51.100.7', ['10.0.0.5'], 4000), // fp: right entity, 2000 s after the scan ended
    ];
    const r = evaluate(TRUTH, anomalies, BENIGN);
    expect(r.outcomes).toEqual(['tp', 'partial', 'related', 'tp', 'tp', 'tp', 'fp', 'fp', 'noise', 'fp']);
    const row = (d: string) => r.rows.find((x) => x.detector === d);
    expect(row('port-scan')).toMatchObject({ attacks: 1, tp: 1, fn: 0, recall: 1, anomalies: 5, matched: 2, partial: 1, related: 0, noise: 1, fp: 2, precision: 0.5 });
    expect(row('port-sweep')).toMatchObject({ attacks: 0, recall: null, anomalies: 1, related: 1, fp: 0, precision: null });
    expect(row('beaconing')).toMatchObject({ attacks: 1, tp: 1, matched: 1, fp: 1, precision: 0.5, fpEntities: 1, fpEntityRate: 0.25 });
    expect(row('ddos')).toMatchObject({ attacks: 1, tp: 1, matched: 2, fp: 0, precision: 1 });
    expect(row('exfiltration')).toMatchObject({ attacks: 1, tp: 0, fn: 1, recall: 0, anomalies: 0, precision: null });
    // port-scan FPs name 10.0.0.9 (an attack entity, not benign) and 198.51.100.7: no benign entity
    expect(row('port-scan')?.fpEntities).toBe(0);
    expect(r.total).toMatchObject({ attacks: 4, tp: 3, fn: 1, recall: 0.75, matched: 5, fp: 3, fpEntities: 1, fpEntityRate: 0.25 });
    expect(r.attacks.find((a) => a.id === 'scan')).toMatchObject({ detected: true, matchedAnomalies: 1, relatedAnomalies: 1 });
    expect(r.attacks.find((a) => a.id === 'missed')?.detected).toBe(false);
  });

  it('honours the tolerance exactly at the edge', () => {
    const at = (start: number) => evaluate(TRUTH, [an('exfiltration', '10.0.0.20', [], start, start)], BENIGN, { toleranceSeconds: 100 }).outcomes[0];
    expect(at(7200)).toBe('tp');
    expect(at(7201)).toBe('fp');
    expect(at(6900)).toBe('tp');
    expect(at(6899)).toBe('fp');
  });

  it('credits recall only to anomalies that attribute the event in actor mode; entity mode is lenient', () => {
    const other = an('port-scan', '203.0.113.1', ['10.0.0.5'], 1500); // another source, same target
    const swapped = an('port-scan', '10.0.0.5', ['198.51.100.7'], 1500); // victim reported as actor
    const targetOnly = an('port-scan', null, ['10.0.0.5'], 1500);
    expect(evaluate(TRUTH, [other, swapped, targetOnly], BENIGN).outcomes).toEqual(['partial', 'tp', 'partial']);
    expect(evaluate(TRUTH, [other], BENIGN).rows.find((x) => x.detector === 'port-scan')).toMatchObject({ tp: 0, fn: 1, matched: 1, partial: 1, fp: 0 });
    expect(evaluate(TRUTH, [other, targetOnly], BENIGN, { mode: 'entity' }).outcomes).toEqual(['tp', 'tp']);
    // a target-only finding attributes a many-source event
    expect(evaluate(TRUTH, [an('ddos', null, ['10.0.0.1'], 3000)], BENIGN).outcomes).toEqual(['tp']);
    expect(evaluate(TRUTH, [an('ddos', '9.9.9.9', ['10.0.0.1'], 3000)], BENIGN).outcomes).toEqual(['partial']);
  });

  it('counts an FP entity once per detector and once in the total, and only benign ones', () => {
    const a = [
      an('unusual-port', '10.0.0.30', ['8.8.4.4'], 100),
      an('unusual-port', '10.0.0.30', ['8.8.4.4'], 9000),
      an('long-connection', '10.0.0.30', [], 100),
      an('long-connection', null, ['10.0.0.31', '10.0.0.32'], 100),
      an('long-connection', '203.0.113.200', [], 100),
    ];
    const r = evaluate(TRUTH, a, BENIGN);
    expect(r.rows.find((x) => x.detector === 'unusual-port')?.fpEntities).toBe(1);
    expect(r.rows.find((x) => x.detector === 'long-connection')?.fpEntities).toBe(3);
    expect(r.total.fpEntities).toBe(3);
    expect(r.total.fpEntityRate).toBe(0.75);
  });

  it('formats a table with a verdict and the missed events', () => {
    const r = evaluate(TRUTH, [an('port-scan', '198.51.100.7', [], 1500)], BENIGN);
    const t = formatEvalTable(r, 'hand-made');
    expect(t).toContain('hand-made');
    expect(t).toMatch(/port-scan\s+1\s+1\s+0\s+1\.000/);
    expect(t).toMatch(/missed \(3\): beacon \[high\], flood \[high\], missed \[high\]/);
    expect(t).toContain('below target');
  });
});

describe('ground truth JSON lines', () => {
  it('round-trips and rejects bad lines with their line number', () => {
    expect(parseGroundTruth(toJsonLines(TRUTH))).toEqual(TRUTH);
    expect(() => parseGroundTruth('{"id":1}')).toThrow(GroundTruthError);
    expect(() => parseGroundTruth(toJsonLines(TRUTH) + '{oops\n')).toThrow(/line 6: not JSON/);
    const bad = { ...TRUTH[0], detector: 'port-scna' };
    expect(() => parseGroundTruth(JSON.stringify(bad))).toThrow(/line 1: unknown detector port-scna/);
    expect(() => parseGroundTruth(JSON.stringify({ ...TRUTH[0], start: 5, end: 4 }))).toThrow(/end >= start/);
  });
});
