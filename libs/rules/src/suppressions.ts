/**
 * Suppression rules: scoped (detector, CIDR of actor or target, port, ENI,
 * account), owned, explained and expiring. A suppressed anomaly is still
 * emitted (detect) and still listed (api), with status `suppressed`, so
 * correlation and audits keep seeing it.
 */
import type { AnomalyV1 } from '@flowguard/contracts';
import { IpSet } from '@flowguard/threat-intel';
import type { SuppressionRule } from './rules';

interface CompiledRule {
  rule: SuppressionRule;
  detectors: Set<string> | null;
  cidrs: IpSet | null;
  ports: Set<number> | null;
  enis: Set<string> | null;
  accounts: Set<string> | null;
  expiresAtMs: number;
}

export class Suppressions {
  private readonly rules: CompiledRule[];

  constructor(rules: SuppressionRule[]) {
    this.rules = rules.map((rule) => {
      let cidrs: IpSet | null = null;
      if (rule.cidrs?.length) {
        cidrs = new IpSet();
        for (const c of rule.cidrs) cidrs.add(c);
      }
      return {
        rule,
        detectors: rule.detectors?.length ? new Set(rule.detectors) : null,
        cidrs,
        ports: rule.ports?.length ? new Set(rule.ports) : null,
        enis: rule.interfaceIds?.length ? new Set(rule.interfaceIds) : null,
        accounts: rule.accountIds?.length ? new Set(rule.accountIds) : null,
        expiresAtMs: rule.expiresAt ? Date.parse(rule.expiresAt) : Infinity,
      };
    });
  }

  get size(): number {
    return this.rules.length;
  }

  /** The first active rule whose every given scope matches the anomaly. */
  match(a: AnomalyV1, nowMs: number): SuppressionRule | null {
    for (const r of this.rules) {
      if (r.expiresAtMs <= nowMs) continue;
      if (r.detectors && !r.detectors.has(a.detector)) continue;
      if (r.cidrs) {
        const set = r.cidrs;
        const hit = (a.actor !== null && set.has(a.actor)) || a.targets.some((t) => set.has(t));
        if (!hit) continue;
      }
      if (r.ports && !a.ports.some((p) => (r.ports as Set<number>).has(p))) continue;
      if (r.enis && !(a.context?.interfaceIds ?? []).some((e) => (r.enis as Set<string>).has(e))) continue;
      if (r.accounts && !(a.context?.accountId && r.accounts.has(a.context.accountId))) continue;
      return r.rule;
    }
    return null;
  }
}
