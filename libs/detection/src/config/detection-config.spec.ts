import { defaultDetectionConfig } from './detection-config';
import { DetectionConfigError, validateDetectionConfig } from './detection-config.validator';

const err = (raw: unknown): string => {
  try {
    validateDetectionConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(DetectionConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a DetectionConfigError');
};

describe('validateDetectionConfig', () => {
  it('accepts nothing (defaults) and the defaults themselves', () => {
    expect(validateDetectionConfig(undefined)).toEqual(defaultDetectionConfig());
    expect(validateDetectionConfig(defaultDetectionConfig())).toEqual(defaultDetectionConfig());
  });

  it('merges a partial config over the defaults', () => {
    const c = validateDetectionConfig({ allowedLatenessSec: 900, detectors: { 'port-scan': { minDistinctPorts: 30, mode: 'dry-run' } } });
    expect(c.allowedLatenessSec).toBe(900);
    expect(c.detectors['port-scan']).toMatchObject({ minDistinctPorts: 30, mode: 'dry-run', windowSec: 60, enabled: true });
    expect(c.detectors.ddos).toEqual(defaultDetectionConfig().detectors.ddos);
  });

  it('names the bad key, with a suggestion for typos', () => {
    expect(err({ detectors: { 'port-scan': { minDistinctPort: 3 } } })).toContain('detectors.port-scan.minDistinctPort is not a known key (did you mean minDistinctPorts?)');
    expect(err({ detectors: { portscan: {} } })).toContain('detectors.portscan is not a known key');
    expect(err({ allowedLatenessSec: '300' })).toContain('allowedLatenessSec must be a number, got "300"');
    expect(err({ detectors: { tor: { enabled: 'yes' } } })).toContain('detectors.tor.enabled must be true or false');
  });

  it('checks ranges and relations', () => {
    expect(err({ detectors: { 'port-scan': { windowSec: 45 } } })).toContain('detectors.port-scan.windowSec must be a positive multiple of tickSec (60), got 45');
    expect(err({ detectors: { 'port-scan': { minDistinctPorts: 0 } } })).toContain('detectors.port-scan.minDistinctPorts must be a positive integer');
    expect(err({ detectors: { ddos: { ewmaAlpha: 1.5 } } })).toContain('detectors.ddos.ewmaAlpha must be in (0, 1]');
    expect(err({ detectors: { beaconing: { weights: { ts: 0.5 } } } })).toContain('detectors.beaconing.weights must sum to 1');
    expect(err({ detectors: { beaconing: { minConnections: 3 } } })).toContain("must be ≥ 4 (RITA's floor)");
    expect(err({ detectors: { 'brute-force': { ports: [22, 70000] } } })).toContain('detectors.brute-force.ports[1] must be a port 0..65535');
    expect(err({ detectors: { 'long-connection': { bucketsSec: [7200, 3600] } } })).toContain('bucketsSec must be a non-empty ascending list');
    expect(err({ detectors: { ddos: { severity: 'urgent' } } })).toContain('detectors.ddos.severity must be one of info, low, medium, high, critical');
    expect(err({ network: { internalCidrs: ['10.0.0.0/8', 'corp'] } })).toContain('network.internalCidrs[1] must be an IP or CIDR');
    expect(err({ role: 'both' })).toContain('role must be one of all, src, dst');
    expect(err({ state: { ipIdleTtlSec: 3600 } })).toContain('state.ipIdleTtlSec must be ≥ the longest state TTL');
    expect(err({ aggregation: { maxEvidence: 60 } })).toContain('aggregation.maxEvidence must be ≤ 50');
  });

  it('validates suppressions and allow-list entries (owner, reason, expiry, scope)', () => {
    const base = { id: 's1', owner: 'secops', reason: 'pen test' };
    expect(validateDetectionConfig({ suppressions: [{ ...base, detectors: ['port-scan'], cidrs: ['10.9.0.0/16'], expiresAt: '2030-01-01T00:00:00Z' }] }).suppressions).toHaveLength(1);
    expect(err({ suppressions: [{ id: 's1', reason: 'x' }] })).toContain('suppressions[0].owner is required');
    expect(err({ suppressions: [{ ...base, detectors: ['portscan'] }] })).toContain('suppressions[0].detectors[0] must be a detector id');
    expect(err({ suppressions: [{ ...base, expiresAt: 'tomorrow' }] })).toContain('suppressions[0].expiresAt must be an ISO date-time');
    expect(err({ suppressions: [{ ...base, cidr: '10.0.0.0/8' }] })).toContain('suppressions[0].cidr is not a known key');
    expect(err({ suppressions: [base, base] })).toContain('suppressions[1].id duplicates id "s1"');
    const allow = validateDetectionConfig({ allowList: [{ ...base, cidr: '10.1.2.3', side: 'destination', ports: [443] }] }).allowList[0];
    expect(allow).toMatchObject({ side: 'destination', includeReverse: true });
    expect(err({ allowList: [{ ...base, cidr: 'x' }] })).toContain('allowList[0].cidr must be an IP or CIDR');
    expect(err({ allowList: [{ ...base, cidr: '10.0.0.1', side: 'up' }] })).toContain('allowList[0].side must be source, destination or either');
  });
});
