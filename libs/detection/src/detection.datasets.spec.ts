/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays whose length they just asserted */
/**
 * End-to-end checks on the shared labelled datasets (../shared/datasets from
 * the repository root). Skipped, with the reason in the suite title, when the
 * folder is absent. Records are handed over sorted by start time in chunks,
 * the way a time-ordered delivery would; thresholds are the defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SEVERITY_RANK, type AnomalyV1 } from '@flowguard/contracts';
import { defaultDetectionConfig } from './config/detection-config';
import { DetectionEngine } from './engine/detection.engine';
import { chunks, readV2, sortedByStart } from './testing/flows';
import { contractErrors } from './testing/harness';

const DIR = process.env['FLOWGUARD_DATASETS'] ?? resolve(__dirname, '../../../../shared/datasets');
const present = existsSync(join(DIR, 'README.md'));
const suite = present ? describe : describe.skip;

interface Outcome {
  anomalies: AnomalyV1[];
  engine: DetectionEngine;
}

const cache = new Map<string, Outcome>();
function analyse(name: string): Outcome {
  let o = cache.get(name);
  if (!o) {
    const batch = sortedByStart(readV2(readFileSync(join(DIR, `${name}.vpc.log`), 'utf8')));
    const engine = new DetectionEngine(defaultDetectionConfig(), { now: () => 1_700_000_000_000 });
    const emitted: AnomalyV1[] = [];
    for (const c of chunks(batch, 4096)) emitted.push(...engine.process(c));
    emitted.push(...engine.flush());
    const last = new Map<string, AnomalyV1>();
    for (const a of [...emitted, ...engine.anomalies()]) last.set(a.anomalyId, a);
    o = { anomalies: [...last.values()], engine };
    cache.set(name, o);
  }
  return o;
}

/**
 * Addresses by label: `benign` = every address that only ever appears in
 * Benign/Background records (as source or destination) and in at least one
 * Benign one; `malicious` = sources of Malicious forward records.
 */
function labelled(name: string): { benign: Set<string>; malicious: Set<string> } {
  const log = readFileSync(join(DIR, `${name}.vpc.log`), 'utf8').split('\n').slice(1);
  const labels = readFileSync(join(DIR, `${name}.labels.tsv`), 'utf8').split('\n').slice(1);
  const seen = new Map<string, Set<string>>();
  const malicious = new Set<string>();
  labels.forEach((line, i) => {
    const [, label, , direction] = line.split('\t');
    const f = log[i]?.split(' ');
    if (!f || !label) return;
    for (const ip of [f[3], f[4]]) {
      if (!ip) continue;
      let s = seen.get(ip);
      if (!s) seen.set(ip, (s = new Set()));
      s.add(label);
    }
    if (label === 'Malicious' && direction === 'fwd' && f[3]) malicious.add(f[3]);
  });
  const benign = new Set<string>();
  for (const [ip, ls] of seen) if (ls.has('Benign') && !ls.has('Malicious')) benign.add(ip);
  return { benign, malicious };
}

suite(present ? 'shared datasets' : `shared datasets (skipped: ${DIR} not found)`, () => {
  it('cic-portscan: a port scan by 172.16.0.1 against 192.168.10.50', () => {
    const { anomalies, engine } = analyse('cic-portscan');
    const scans = anomalies.filter((a) => a.detector === 'port-scan');
    expect(scans.map((a) => [a.actor, a.targets])).toEqual([['172.16.0.1', ['192.168.10.50']]]);
    expect(scans[0]!.ports.length).toBeGreaterThan(100);
    // the answers of the scanned host are not a scan of the scanner
    expect(anomalies.filter((a) => a.actor === '192.168.10.50')).toEqual([]);
    expect(engine.stats().lateDrops).toBe(0);
  });

  it('cic-ddos: a flood against 192.168.10.50', () => {
    const floods = analyse('cic-ddos').anomalies.filter((a) => a.detector === 'ddos');
    expect(floods.length).toBeGreaterThanOrEqual(1);
    expect(floods.every((a) => a.targets[0] === '192.168.10.50')).toBe(true);
    expect(floods[0]!.ports).toEqual([80]);
    expect(floods[0]!.mitre).toContain('T1499.002');
  });

  it('njrat-c2: beaconing of 192.168.1.115 to 41.108.179.197:1177', () => {
    const beacons = analyse('njrat-c2').anomalies.filter((a) => a.detector === 'beaconing');
    const c2 = beacons.filter((a) => a.targets[0] === '41.108.179.197');
    expect(c2).toHaveLength(1);
    expect(c2[0]).toMatchObject({ actor: '192.168.1.115', ports: [1177], mitre: ['T1071', 'T1571'] });
    expect(SEVERITY_RANK[c2[0]!.severity]).toBeGreaterThanOrEqual(SEVERITY_RANK.medium);
  });

  it.each(['ctu-normal-40', 'ctu-normal-42'])('%s: benign hosts are not flagged en masse', (name) => {
    const { anomalies, engine } = analyse(name);
    const { benign, malicious } = labelled(name);
    // the local host of these captures has Malicious rows too (its answers to attackers): count it as benign when it acts
    const localHost = [...benign, ...malicious].length ? hostOf(name) : '';
    const involvesBenign = (a: AnomalyV1) => [a.actor, ...a.targets].some((x) => x !== null && (benign.has(x) || (x === localHost && a.actor === localHost)));
    const onBenign = anomalies.filter(involvesBenign);
    const seriousOnBenign = onBenign.filter((a) => SEVERITY_RANK[a.severity] >= SEVERITY_RANK.medium);
    const benignInvolved = new Set(onBenign.flatMap((a) => [a.actor, ...a.targets]).filter((x): x is string => x !== null && benign.has(x)));
    // never high or critical on benign traffic; at most a couple of medium findings per day of it
    expect(onBenign.filter((a) => SEVERITY_RANK[a.severity] >= SEVERITY_RANK.high)).toEqual([]);
    expect(seriousOnBenign.length).toBeLessThanOrEqual(2);
    // and few benign hosts appear at all, at any severity
    expect(benignInvolved.size).toBeLessThanOrEqual(Math.ceil(benign.size * 0.05));
    for (const a of anomalies) expect(contractErrors(a)).toEqual([]);
    const onMalicious = anomalies.filter((a) => a.actor !== null && malicious.has(a.actor));
    // print the picture for the report: what was raised on whom
    console.log(`${name}: ${anomalies.length} anomalies; benign addresses ${benign.size} (in findings ${benignInvolved.size}, findings ≥medium ${seriousOnBenign.length}); ` +
      `malicious sources ${malicious.size} (flagged ${new Set(onMalicious.map((a) => a.actor)).size}); by detector ${JSON.stringify(countBy(anomalies))}; late ${engine.stats().lateDrops}`);
  });
});

/** The captured host of a CTU file: the address on every record of its single ENI. */
function hostOf(name: string): string {
  const rows = readFileSync(join(DIR, `${name}.vpc.log`), 'utf8').split('\n').slice(1, 200).map((l) => l.split(' '));
  const count = new Map<string, number>();
  for (const f of rows) for (const ip of [f[3], f[4]]) if (ip) count.set(ip, (count.get(ip) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

function countBy(as: AnomalyV1[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of as) out[`${a.detector}/${a.severity}`] = (out[`${a.detector}/${a.severity}`] ?? 0) + 1;
  return out;
}
