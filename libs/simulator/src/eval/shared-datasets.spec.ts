import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlowLogText } from '@flowguard/flowlog';
import { parseLabelsTsv, truthFromLabels } from './dataset-truth';

/** ../shared/datasets relative to the repository root (never copied into the repo). */
const DIR = join(__dirname, '../../../../../shared/datasets');
const present = existsSync(join(DIR, 'README.md'));
if (!present) {
  console.warn(`shared datasets not found at ${DIR}: skipping the dataset ground-truth specs`);
}
const maybe = present ? describe : describe.skip;

const load = (name: string) => {
  const parsed = parseFlowLogText(readFileSync(join(DIR, `${name}.vpc.log`)), { source: name });
  expect(parsed.errors).toEqual([]);
  return truthFromLabels(parsed.batch, parseLabelsTsv(readFileSync(join(DIR, `${name}.labels.tsv`), 'utf8')), name);
};

maybe('ground truth derived from the shared labeled datasets', () => {
  it('cic-portscan: one scan of 192.168.10.50 by 172.16.0.1', () => {
    const t = load('cic-portscan');
    expect(t.truth.map((e) => [e.detector, e.actor, e.targets])).toEqual([['port-scan', '172.16.0.1', ['192.168.10.50']]]);
    expect(t.truth[0]?.intensity['distinctPorts']).toBeGreaterThan(500);
  });

  it('cic-ddos: one flood against the web server', () => {
    const t = load('cic-ddos');
    expect(t.truth.map((e) => [e.detector, e.targets])).toEqual([['ddos', ['192.168.10.50']]]);
  });

  it('njrat-c2: the beacon to 41.108.179.197:1177 is the scored event', () => {
    const t = load('njrat-c2');
    const scored = t.truth.filter((e) => e.kind === 'attack');
    expect(scored.map((e) => [e.detector, e.actor, e.targets, e.ports])).toEqual([['beaconing', '192.168.1.115', ['41.108.179.197'], [1177]]]);
    // the infected host is internal: it stays in the benign population (its other traffic is benign)
    expect(t.benignEntities).toContain('192.168.1.115');
    expect(t.benignEntities).not.toContain('41.108.179.197');
  });

  it('ctu-normal-40/42: a few scanning sources, most sources are probes (noise); rejected knocks are not guessing', () => {
    for (const name of ['ctu-normal-40', 'ctu-normal-42']) {
      const t = load(name);
      const scored = t.truth.filter((e) => e.kind === 'attack');
      const noise = t.truth.filter((e) => e.kind === 'noise');
      expect(scored.length).toBeGreaterThan(5);
      expect(noise.length).toBeGreaterThan(scored.length * 10);
      expect(scored.every((e) => e.detector === 'port-scan' || e.detector === 'brute-force')).toBe(true);
      expect(scored.filter((e) => e.detector === 'port-scan').length).toBeGreaterThan(5);
      expect(t.benignEntities.length).toBeGreaterThan(50);
    }
    // 45.140.140.75 knocked on telnet 130 times, every one REJECTed
    expect(load('ctu-normal-40').truth.find((e) => e.actor === '45.140.140.75')?.kind).toBe('noise');
  });
});
