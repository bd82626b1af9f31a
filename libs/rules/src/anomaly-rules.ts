/**
 * The rules in force applied to an anomaly that is already stored: what its
 * status would be if it were emitted now. The api answers every anomaly with
 * this verdict next to the status it was stored with, so a suppression or an
 * allow-list entry added today also covers last week's findings, and removing
 * or letting a rule expire brings them back (nothing is deleted or rewritten).
 *
 * Suppressions match exactly as detect matches them (one {@link Suppressions}).
 * Allow-list entries act on flow rows in detect, before any detector; an
 * anomaly only keeps its actor, targets and ports, so here an entry covers an
 * anomaly when every flow the anomaly describes would have been dropped:
 * - side `source`: the actor is inside the entry's CIDR;
 * - side `destination`: every target is inside it (an anomaly without targets is not covered);
 * - side `either`: one of the two;
 * - and, when the entry names ports, every port of the anomaly is one of them.
 * An anomaly that only partly falls under an entry stays open: it would still
 * have fired on the rest of its flows.
 */
import type { AnomalyV1 } from '@flowguard/contracts';
import { IpSet } from '@flowguard/threat-intel';
import type { AllowListEntry, Rules } from './rules';
import { Suppressions } from './suppressions';

export interface RuleRef {
  kind: 'suppression' | 'allowList';
  id: string;
  owner: string;
  reason: string;
  expiresAt?: string;
}

export interface RuleVerdict {
  /** `suppressed`: a suppression rule in force matches; `allow-listed`: an allow-list entry covers it */
  status: 'open' | 'suppressed' | 'allow-listed';
  rule?: RuleRef;
}

interface CompiledEntry {
  entry: AllowListEntry;
  set: IpSet;
  ports: Set<number> | null;
  expiresAtMs: number;
}

export class AnomalyRules {
  readonly rules: Rules;
  private readonly suppressions: Suppressions;
  private readonly allow: CompiledEntry[];

  constructor(rules: Rules) {
    this.rules = rules;
    this.suppressions = new Suppressions(rules.suppressions);
    this.allow = rules.allowList.map((entry) => {
      const set = new IpSet();
      set.add(entry.cidr);
      return {
        entry,
        set,
        ports: entry.ports?.length ? new Set(entry.ports) : null,
        expiresAtMs: entry.expiresAt ? Date.parse(entry.expiresAt) : Infinity,
      };
    });
  }

  /** The verdict of the rules in force at wall-clock `nowMs`; suppressions first (they are explicit about findings). */
  evaluate(a: AnomalyV1, nowMs: number): RuleVerdict {
    const s = this.suppressions.match(a, nowMs);
    if (s) return { status: 'suppressed', rule: ref('suppression', s) };
    for (const c of this.allow) {
      if (c.expiresAtMs <= nowMs || !covers(c, a)) continue;
      return { status: 'allow-listed', rule: ref('allowList', c.entry) };
    }
    return { status: 'open' };
  }
}

function covers(c: CompiledEntry, a: AnomalyV1): boolean {
  if (c.ports && !(a.ports.length > 0 && a.ports.every((p) => (c.ports as Set<number>).has(p)))) return false;
  const side = c.entry.side;
  const actorIn = a.actor !== null && c.set.has(a.actor);
  const targetsIn = a.targets.length > 0 && a.targets.every((t) => c.set.has(t));
  if (side === 'source') return actorIn;
  if (side === 'destination') return targetsIn;
  return actorIn || targetsIn;
}

function ref(kind: RuleRef['kind'], r: { id: string; owner: string; reason: string; expiresAt?: string }): RuleRef {
  return { kind, id: r.id, owner: r.owner, reason: r.reason, ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}) };
}
