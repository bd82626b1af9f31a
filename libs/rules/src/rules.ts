/**
 * The analyst's rules over findings, shared by the services that apply them:
 * `detect` applies them while it runs (suppressions to anomalies it emits,
 * allow-list entries to the rows before any detector), and `api` applies the
 * rules in force to anomalies already stored, at query time, so a rule added
 * today also covers last week's findings (users of RITA had to rebuild their
 * database for that; docs/detectors.md §4, ADR 0031).
 *
 * Every rule is owned, explained and may expire. Validation here is the one
 * used by both services; detect additionally checks detector ids against its
 * registry.
 */
import { parseCidr } from '@flowguard/threat-intel';

export interface SuppressionRule {
  id: string;
  owner: string;
  reason: string;
  /** ISO date-time; the rule stops applying after it */
  expiresAt?: string;
  detectors?: string[];
  /** actor or any target inside one of these */
  cidrs?: string[];
  ports?: number[];
  interfaceIds?: string[];
  accountIds?: string[];
}

export interface AllowListEntry {
  id: string;
  owner: string;
  reason: string;
  expiresAt?: string;
  cidr: string;
  /** which endpoint of the flow (originator view) `cidr` is matched against */
  side: 'source' | 'destination' | 'either';
  /** the service (destination) port of the flow; empty = any */
  ports?: number[];
  /** also drop the reverse (response) records of matching flows */
  includeReverse?: boolean;
}

export interface Rules {
  suppressions: SuppressionRule[];
  allowList: AllowListEntry[];
}

/** A rule that cannot be used; `path` names it (`suppressions[2].cidrs[0]`). */
export class RulesError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path} ${detail}`);
    this.name = 'RulesError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));
const DETECTOR_NAME = /^[a-z0-9-]{2,48}$/;

function checkExpiry(path: string, v: unknown): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new RulesError(path, `must be an ISO date-time, got ${show(v)}`);
}

function checkOwnerReason(path: string, e: Obj): void {
  for (const key of ['id', 'owner', 'reason']) {
    if (typeof e[key] !== 'string' || !(e[key] as string).trim()) throw new RulesError(`${path}.${key}`, `is required (non-empty string), got ${show(e[key])}`);
  }
  checkExpiry(`${path}.expiresAt`, e['expiresAt']);
}

/**
 * Validate `suppressions`. `detectors`: the known detector ids (detect passes its registry);
 * without it any well-formed detector name is accepted (the api does not know the registry).
 */
export function checkSuppressions(list: unknown[], detectors?: readonly string[]): SuppressionRule[] {
  const allowed = ['id', 'owner', 'reason', 'expiresAt', 'detectors', 'cidrs', 'ports', 'interfaceIds', 'accountIds'];
  return list.map((raw, i) => {
    const p = `suppressions[${i}]`;
    if (!isObj(raw)) throw new RulesError(p, `must be an object, got ${show(raw)}`);
    for (const k of Object.keys(raw)) if (!allowed.includes(k)) throw new RulesError(`${p}.${k}`, 'is not a known key');
    checkOwnerReason(p, raw);
    const arr = (k: string, ok: (v: unknown) => boolean, what: string) => {
      const v = raw[k];
      if (v === undefined) return;
      if (!Array.isArray(v) || v.length === 0) throw new RulesError(`${p}.${k}`, `must be a non-empty array, got ${show(v)}`);
      v.forEach((x, j) => {
        if (!ok(x)) throw new RulesError(`${p}.${k}[${j}]`, `must be ${what}, got ${show(x)}`);
      });
    };
    if (detectors) arr('detectors', (v) => detectors.includes(v as string), `a detector id (${detectors.join(', ')})`);
    else arr('detectors', (v) => typeof v === 'string' && DETECTOR_NAME.test(v), 'a detector id');
    arr('cidrs', (v) => typeof v === 'string' && parseCidr(v) !== null, 'an IP or CIDR');
    arr('ports', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535, 'a port 0..65535');
    arr('interfaceIds', (v) => typeof v === 'string' && v.length > 0, 'an ENI id');
    arr('accountIds', (v) => typeof v === 'string' && v.length > 0, 'an account id');
    return raw as unknown as SuppressionRule;
  });
}

export function checkAllowList(list: unknown[]): AllowListEntry[] {
  const allowed = ['id', 'owner', 'reason', 'expiresAt', 'cidr', 'side', 'ports', 'includeReverse'];
  return list.map((raw, i) => {
    const p = `allowList[${i}]`;
    if (!isObj(raw)) throw new RulesError(p, `must be an object, got ${show(raw)}`);
    for (const k of Object.keys(raw)) if (!allowed.includes(k)) throw new RulesError(`${p}.${k}`, 'is not a known key');
    checkOwnerReason(p, raw);
    if (typeof raw['cidr'] !== 'string' || !parseCidr(raw['cidr'])) throw new RulesError(`${p}.cidr`, `must be an IP or CIDR, got ${show(raw['cidr'])}`);
    const side = raw['side'] ?? 'either';
    if (!['source', 'destination', 'either'].includes(side as string)) throw new RulesError(`${p}.side`, `must be source, destination or either, got ${show(side)}`);
    const ports = raw['ports'];
    if (ports !== undefined && (!Array.isArray(ports) || ports.some((x) => !Number.isInteger(x) || x < 0 || x > 65535))) {
      throw new RulesError(`${p}.ports`, `must be an array of ports 0..65535, got ${show(ports)}`);
    }
    if (raw['includeReverse'] !== undefined && typeof raw['includeReverse'] !== 'boolean') throw new RulesError(`${p}.includeReverse`, 'must be true or false');
    return { includeReverse: true, ...(raw as object), side } as AllowListEntry;
  });
}

/**
 * The rules of a config document (the detection config file: other keys are detect's and are
 * ignored here). Ids must be unique within each list. Throws {@link RulesError}.
 */
export function readRules(doc: unknown, detectors?: readonly string[]): Rules {
  if (doc === undefined || doc === null) return { suppressions: [], allowList: [] };
  if (!isObj(doc)) throw new RulesError('(config)', `must be a JSON object, got ${show(doc)}`);
  const list = (k: string): unknown[] => {
    const v = doc[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new RulesError(k, `must be an array, got ${show(v)}`);
    return v;
  };
  const rules = { suppressions: checkSuppressions(list('suppressions'), detectors), allowList: checkAllowList(list('allowList')) };
  for (const [p, l] of [['suppressions', rules.suppressions], ['allowList', rules.allowList]] as const) {
    const seen = new Set<string>();
    l.forEach((e, i) => {
      if (seen.has(e.id)) throw new RulesError(`${p}[${i}].id`, `duplicates id ${JSON.stringify(e.id)}`);
      seen.add(e.id);
    });
  }
  return rules;
}
