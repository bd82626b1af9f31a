import type { DetectorName, IntensityLevel } from '../truth/ground-truth';
import { DETECTORS } from '../truth/ground-truth';
import { bruteForceVariants, exfiltrationVariants } from './access.attacks';
import type { AttackContext, AttackDraft } from './attack';
import { beaconingVariants, longConnectionVariants, maliciousIpVariants, unusualPortVariants } from './c2.attacks';
import { ddosVariants } from './flood.attacks';
import { cryptoMiningVariants, torVariants } from './intel.attacks';
import { portScanVariants, portSweepVariants } from './scan.attacks';

type VariantTable = (ctx: AttackContext) => Record<string, () => AttackDraft>;

/** Every attack the simulator can inject, by detector. */
export const CATALOG: Record<DetectorName, VariantTable> = {
  'port-scan': portScanVariants,
  'port-sweep': portSweepVariants,
  ddos: ddosVariants,
  beaconing: beaconingVariants,
  'long-connection': longConnectionVariants,
  'crypto-mining': cryptoMiningVariants,
  tor: torVariants,
  'brute-force': bruteForceVariants,
  exfiltration: exfiltrationVariants,
  'unusual-port': unusualPortVariants,
  'malicious-ip': maliciousIpVariants,
};

/** Variant names and levels, for help texts and validation (levels are fixed per variant). */
export const VARIANT_LEVELS: Record<DetectorName, Record<string, IntensityLevel>> = {
  'port-scan': { 'fast-inbound': 'high', internal: 'high', slow: 'low', low: 'low' },
  'port-sweep': { internal: 'high', outbound: 'high', slow: 'low' },
  ddos: { 'syn-flood': 'high', 'udp-flood': 'high', 'many-source': 'medium', 'http-flood-single': 'medium', 'outbound-udp': 'high' },
  beaconing: { 'https-60s': 'medium', 'slow-jitter': 'low', 'fast-nonstandard': 'high' },
  'long-connection': { 'ssh-out': 'medium', 'reverse-shell': 'high', short: 'low' },
  'crypto-mining': { stratum: 'high', 'bypass-443': 'medium', low: 'low' },
  tor: { 'inbound-exit': 'medium', 'inbound-exit-low': 'low', 'outbound-relay': 'high' },
  'brute-force': { 'ssh-inbound': 'high', 'rdp-inbound': 'high', 'ssh-outbound': 'high', 'slow-ssh': 'low' },
  exfiltration: { burst: 'high', slow: 'low', 'scp-night': 'medium' },
  'unusual-port': { 'outbound-irc': 'medium', 'lateral-winrm': 'medium' },
  'malicious-ip': { outbound: 'medium', inbound: 'medium', single: 'low' },
};

export interface AttackSelection {
  detector: DetectorName;
  variant: string;
}

export class AttackSpecError extends Error {}

/**
 * Resolve an attack list: `all`, `none`, `<detector>` (all its variants) or
 * `<detector>:<variant>`, optionally filtered by intensity levels. Order follows the
 * catalog, so the same selection always gives the same plan.
 */
export function selectAttacks(specs: readonly string[], levels?: readonly IntensityLevel[]): AttackSelection[] {
  const wanted = new Set<string>();
  for (const raw of specs) {
    const spec = raw.trim();
    if (!spec || spec === 'none') continue;
    if (spec === 'all') {
      for (const d of DETECTORS) for (const v of Object.keys(VARIANT_LEVELS[d])) wanted.add(`${d}:${v}`);
      continue;
    }
    const [d, v] = spec.split(':') as [string, string | undefined];
    if (!(DETECTORS as readonly string[]).includes(d)) {
      throw new AttackSpecError(`unknown attack "${d}"; choose from: all, none, ${DETECTORS.join(', ')}`);
    }
    const variants = VARIANT_LEVELS[d as DetectorName];
    if (v === undefined) {
      for (const name of Object.keys(variants)) wanted.add(`${d}:${name}`);
    } else if (!(v in variants)) {
      throw new AttackSpecError(`unknown variant "${v}" of ${d}; choose from: ${Object.keys(variants).join(', ')}`);
    } else wanted.add(`${d}:${v}`);
  }
  const out: AttackSelection[] = [];
  for (const d of DETECTORS) {
    for (const [v, level] of Object.entries(VARIANT_LEVELS[d])) {
      if (!wanted.has(`${d}:${v}`)) continue;
      if (levels && levels.length && !levels.includes(level)) continue;
      out.push({ detector: d, variant: v });
    }
  }
  return out;
}
