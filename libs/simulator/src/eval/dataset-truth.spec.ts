import { type FlowRecord, batchFromRecords } from '@flowguard/contracts';
import { LabelError, type LabelRow, parseLabelsTsv, truthFromLabels } from './dataset-truth';

const rec = (src: string, dst: string, dport: number, start: number, sport = 40000, action: 'ACCEPT' | 'REJECT' = 'REJECT'): FlowRecord =>
  ({ srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, protocol: 6, packets: 1, bytes: 44, start, end: start + 1, action });
const lab = (label: string, direction = 'fwd', detail = '-'): LabelRow => ({ label, detail, direction });

describe('parseLabelsTsv', () => {
  it('reads the aligned rows after the header and rejects gaps', () => {
    expect(parseLabelsTsv('line\tlabel\tdetail\tdirection\n1\tBenign\tESET\tfwd\n2\tMalicious\tCC\trev\n')).toEqual([
      { label: 'Benign', detail: 'ESET', direction: 'fwd' }, { label: 'Malicious', detail: 'CC', direction: 'rev' },
    ]);
    expect(() => parseLabelsTsv('line\tlabel\tdetail\tdirection\n2\tBenign\t-\tfwd\n')).toThrow(/out of sequence/);
  });
});

describe('truthFromLabels', () => {
  it('classifies honeypot-style sources by shape: scan, brute force, probe; benign excludes every malicious address', () => {
    const records: FlowRecord[] = [];
    const labels: LabelRow[] = [];
    for (let p = 1; p <= 12; p++) {
      records.push(rec('45.1.1.1', '147.32.1.1', 1000 + p, 100 + p));
      labels.push(lab('Malicious'));
    }
    for (let k = 0; k < 11; k++) {
      records.push(rec('45.2.2.2', '147.32.1.1', 23, 500 + k * 30, 50000 + k, 'ACCEPT'));
      labels.push(lab('Malicious'));
    }
    // rejected knocks never reach a login prompt: probes, however many
    for (let k = 0; k < 30; k++) {
      records.push(rec('45.4.4.4', '147.32.1.1', 22, 700 + k, 51000 + k));
      labels.push(lab('Malicious'));
    }
    records.push(rec('45.3.3.3', '147.32.1.1', 445, 900));
    labels.push(lab('Malicious'));
    records.push(rec('147.32.1.1', '8.8.8.8', 53, 950), rec('8.8.8.8', '147.32.1.1', 40000, 950), rec('147.32.1.9', '1.1.1.1', 443, 960));
    labels.push(lab('Benign'), lab('Benign', 'rev'), lab('Background'));

    const t = truthFromLabels(batchFromRecords(records), labels, 'ctu-normal-99');
    expect(t.profile).toBe('ctu-normal');
    expect(t.truth.map((e) => [e.kind, e.detector, e.actor, e.targets])).toEqual([
      ['attack', 'port-scan', '45.1.1.1', ['147.32.1.1']],
      ['attack', 'brute-force', '45.2.2.2', ['147.32.1.1']],
      ['noise', 'none', '45.4.4.4', ['147.32.1.1']],
      ['noise', 'none', '45.3.3.3', ['147.32.1.1']],
    ]);
    expect(t.truth[0]).toMatchObject({ start: 101, end: 113, intensity: { distinctPorts: 12 } });
    // 147.32.1.1 is attacked but internal (the CTU network): still a benign entity; attackers are not
    expect(t.benignEntities.sort()).toEqual(['1.1.1.1', '147.32.1.1', '147.32.1.9', '8.8.8.8']);
    expect(t.labels).toEqual({ Malicious: 54, Benign: 2, Background: 1 });
  });

  it('maps CIC labels directly and groups C2 by (source, destination, port) with a minimum of 4 connections', () => {
    const scan = truthFromLabels(batchFromRecords([rec('172.16.0.1', '192.168.10.50', 80, 1), rec('172.16.0.1', '192.168.10.50', 81, 2)]),
      [lab('Portscan'), lab('Portscan')], 'cic-portscan');
    expect(scan.truth.map((e) => [e.detector, e.actor, e.targets, e.ports])).toEqual([['port-scan', '172.16.0.1', ['192.168.10.50'], [80, 81]]]);

    const ddos = truthFromLabels(batchFromRecords([rec('1.0.0.1', '9.9.9.9', 80, 1), rec('1.0.0.2', '9.9.9.9', 80, 2)]),
      [lab('DDoS'), lab('DDoS')], 'cic-ddos');
    expect(ddos.truth[0]).toMatchObject({ detector: 'ddos', actor: null, actors: ['1.0.0.1', '1.0.0.2'], targets: ['9.9.9.9'] });

    const c2Records = [0, 9, 18, 27].map((t, i) => rec('192.168.1.115', '41.108.179.197', 1177, t, 49000 + i));
    c2Records.push(rec('192.168.1.115', '85.31.204.81', 443, 5));
    const c2 = truthFromLabels(batchFromRecords(c2Records), c2Records.map(() => lab('Malicious', 'fwd', 'CC')), 'njrat-c2');
    expect(c2.truth.map((e) => [e.kind, e.detector, e.targets[0]])).toEqual([
      ['attack', 'beaconing', '41.108.179.197'], ['noise', 'none', '85.31.204.81'],
    ]);
  });

  it('refuses labels that do not align with the records', () => {
    expect(() => truthFromLabels(batchFromRecords([rec('1.1.1.1', '2.2.2.2', 1, 1)]), [], 'x')).toThrow(LabelError);
  });
});
