import type { AnomalyV1 } from '@flowguard/contracts';
import { AnomalyRules, RulesError, checkSuppressions, readRules, suppressionDraft, type Rules } from './index';

function anomaly(over: Partial<AnomalyV1> = {}): AnomalyV1 {
  return {
    anomalyId: 'port-scan.0123456789abcdef.1700000000',
    detector: 'port-scan',
    severity: 'medium',
    confidence: 0.9,
    score: 50,
    actor: '10.0.5.7',
    targets: ['10.0.9.1'],
    ports: [22, 80, 443],
    protocol: 6,
    firstSeen: 1_700_000_000,
    lastSeen: 1_700_000_060,
    mitre: ['T1046'],
    summary: '10.0.5.7 probed 120 distinct ports of 10.0.9.1 within 60 s',
    signals: [],
    evidence: [],
    occurrences: 1,
    status: 'open',
    updatedAt: 1_700_000_060_000,
    ...over,
  };
}

const NOW = Date.parse('2026-11-22T00:00:00Z');
const base = { owner: 'sec-team', reason: 'weekly vulnerability scan' };

describe('readRules', () => {
  it('reads the rules of a detection config document and ignores its other keys', () => {
    const r = readRules({ tickSec: 60, suppressions: [{ id: 's1', ...base, cidrs: ['10.0.5.0/24'] }], allowList: [{ id: 'a1', ...base, cidr: '10.0.0.2' }] });
    expect(r.suppressions).toHaveLength(1);
    expect(r.allowList[0]).toMatchObject({ side: 'either', includeReverse: true });
    expect(readRules(undefined)).toEqual({ suppressions: [], allowList: [] });
  });

  it.each([
    [{ suppressions: [{ id: 's1', owner: 'x' }] }, 'suppressions[0].reason'],
    [{ suppressions: [{ id: 's1', ...base, cidrs: ['10.0.0.0/33'] }] }, 'suppressions[0].cidrs[0]'],
    [{ suppressions: [{ id: 's1', ...base, ports: [70000] }] }, 'suppressions[0].ports[0]'],
    [{ suppressions: [{ id: 's1', ...base, expiresAt: 'soon' }] }, 'suppressions[0].expiresAt'],
    [{ suppressions: [{ id: 's1', ...base, detector: ['port-scan'] }] }, 'suppressions[0].detector'],
    [{ suppressions: [{ id: 's1', ...base }, { id: 's1', ...base }] }, 'suppressions[1].id'],
    [{ allowList: [{ id: 'a1', ...base, cidr: 'nope' }] }, 'allowList[0].cidr'],
    [{ allowList: [{ id: 'a1', ...base, cidr: '10.0.0.1', side: 'up' }] }, 'allowList[0].side'],
    [{ allowList: 'x' }, 'allowList'],
    [[], '(config)'],
  ])('refuses %j at %s', (doc, path) => {
    expect(() => readRules(doc)).toThrow(RulesError);
    try {
      readRules(doc);
    } catch (e) {
      expect((e as RulesError).path).toBe(path);
    }
  });

  it('checks detector ids against a registry when one is given, and their form otherwise', () => {
    const rule = { id: 's1', ...base, detectors: ['port-scann'] };
    expect(() => checkSuppressions([rule], ['port-scan', 'ddos'])).toThrow(/suppressions\[0\]\.detectors\[0\] must be a detector id \(port-scan, ddos\)/);
    expect(checkSuppressions([rule])).toHaveLength(1);
    expect(() => checkSuppressions([{ ...rule, detectors: ['Port Scan'] }])).toThrow(RulesError);
  });
});

describe('AnomalyRules (the rules in force applied to stored anomalies)', () => {
  const rules = (r: Partial<Rules>) => new AnomalyRules({ suppressions: [], allowList: [], ...r });

  it('suppresses what a suppression rule in force matches, as detect would', () => {
    const r = rules({ suppressions: [{ id: 'pentest', ...base, detectors: ['port-scan'], cidrs: ['10.0.5.0/24'], expiresAt: '2026-12-01T00:00:00Z' }] });
    expect(r.evaluate(anomaly(), NOW)).toEqual({
      status: 'suppressed',
      rule: { kind: 'suppression', id: 'pentest', ...base, expiresAt: '2026-12-01T00:00:00Z' },
    });
    expect(r.evaluate(anomaly({ detector: 'port-sweep' }), NOW).status).toBe('open');
    expect(r.evaluate(anomaly({ actor: '10.0.6.7' }), NOW).status).toBe('open');
    // a target inside the CIDR matches too (scope is "actor or any target")
    expect(r.evaluate(anomaly({ actor: '203.0.113.9', targets: ['10.0.5.1'] }), NOW).status).toBe('suppressed');
  });

  it('brings anomalies back when the rule has expired', () => {
    const r = rules({ suppressions: [{ id: 'old', ...base, cidrs: ['10.0.5.7'], expiresAt: '2026-11-01T00:00:00Z' }] });
    expect(r.evaluate(anomaly(), NOW).status).toBe('open');
    // an anomaly stored as suppressed is open under the rules in force (the stored status stays as it was)
    expect(r.evaluate(anomaly({ status: 'suppressed', suppressedBy: 'old' }), NOW).status).toBe('open');
  });

  it('allow-lists an anomaly only when every flow it describes would have been dropped', () => {
    const src = rules({ allowList: [{ id: 'scanner', ...base, cidr: '10.0.5.0/24', side: 'source' }] });
    expect(src.evaluate(anomaly(), NOW)).toMatchObject({ status: 'allow-listed', rule: { kind: 'allowList', id: 'scanner' } });
    expect(src.evaluate(anomaly({ actor: '10.0.9.1', targets: ['10.0.5.7'] }), NOW).status).toBe('open');

    const dst = rules({ allowList: [{ id: 'lb', ...base, cidr: '10.0.9.0/24', side: 'destination', ports: [80, 443] }] });
    expect(dst.evaluate(anomaly({ ports: [443] }), NOW).status).toBe('allow-listed');
    // port 22 is not allowed: the SSH part would still have fired
    expect(dst.evaluate(anomaly({ ports: [22, 443] }), NOW).status).toBe('open');
    // one target outside the entry
    expect(dst.evaluate(anomaly({ ports: [443], targets: ['10.0.9.1', '10.1.0.1'] }), NOW).status).toBe('open');
    expect(dst.evaluate(anomaly({ ports: [443], targets: [] }), NOW).status).toBe('open');

    const either = rules({ allowList: [{ id: 'e', ...base, cidr: '10.0.9.1', side: 'either' }] });
    expect(either.evaluate(anomaly({ actor: null }), NOW).status).toBe('allow-listed');
    const expired = rules({ allowList: [{ id: 'x', ...base, cidr: '10.0.5.7', side: 'source', expiresAt: '2026-01-01T00:00:00Z' }] });
    expect(expired.evaluate(anomaly(), NOW).status).toBe('open');
  });

  it('prefers a matching suppression over an allow-list entry', () => {
    const r = rules({
      suppressions: [{ id: 's', ...base, cidrs: ['10.0.5.7'] }],
      allowList: [{ id: 'a', ...base, cidr: '10.0.5.7', side: 'source' }],
    });
    expect(r.evaluate(anomaly(), NOW).rule?.id).toBe('s');
  });
});

describe('suppressionDraft', () => {
  it('scopes a draft to the detector, the actor and few ports, with an expiry, and it suppresses its anomaly', () => {
    const a = anomaly();
    const draft = suppressionDraft(a, { owner: 'ana', reason: 'our scanner', days: 30, nowMs: NOW });
    expect(draft).toEqual({
      id: 'sup-port-scan-10-0-5-7-2026-11-22', owner: 'ana', reason: 'our scanner', expiresAt: '2026-12-22T00:00:00.000Z',
      detectors: ['port-scan'], cidrs: ['10.0.5.7/32'], ports: [22, 80, 443],
    });
    expect(new AnomalyRules({ suppressions: [draft], allowList: [] }).evaluate(a, NOW).status).toBe('suppressed');
  });

  it('uses the targets of an actor-less finding and leaves out the ports of a wide scan', () => {
    const ports = Array.from({ length: 200 }, (_, i) => i + 1);
    const draft = suppressionDraft(anomaly({ actor: null, detector: 'ddos', targets: ['2001:db8::1'], ports }), { owner: 'o', reason: 'r', days: 1, nowMs: NOW });
    expect(draft.cidrs).toEqual(['2001:db8::1/128']);
    expect(draft.ports).toBeUndefined();
  });
});
