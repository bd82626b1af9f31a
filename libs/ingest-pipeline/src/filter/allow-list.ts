/**
 * Allow-list entries: every entry names who added it, why, and optionally
 * until when; expired entries are ignored (and reported), so a forgotten
 * exception cannot hide traffic forever. Fields of one entry are AND-ed; a
 * missing field matches anything. An entry must constrain at least one thing.
 */
import { cidrContains, parseCidr, type Cidr } from './ip-address';

export interface AllowListMatch {
  /** either side of the flow */
  readonly cidr?: string;
  readonly srcCidr?: string;
  readonly dstCidr?: string;
  /** either side's port */
  readonly port?: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly protocol?: number;
  readonly eni?: string;
  readonly account?: string;
  readonly direction?: 'ingress' | 'egress';
  /**
   * `key=value` that must appear in one of the v11 tag fields (instance-tag,
   * interface-tag, asg-tag and their -2 variants) or an enrichment `tags` field.
   * Verify: AWS's exact tag serialisation in those fields.
   */
  readonly tag?: string;
}

export interface AllowListEntry {
  readonly id: string;
  readonly owner: string;
  readonly reason: string;
  /** ISO-8601 or epoch ms; absent = no expiry */
  readonly expiresAt?: string | number;
  readonly match: AllowListMatch;
}

export interface CompiledAllowEntry {
  readonly id: string;
  readonly expiresAtMs?: number;
  readonly cidr?: Cidr;
  readonly srcCidr?: Cidr;
  readonly dstCidr?: Cidr;
  readonly port?: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly protocol?: number;
  readonly eni?: string;
  readonly account?: string;
  readonly direction?: number;
  readonly tag?: string;
}

export class AllowListError extends Error {
  constructor(id: string, message: string) {
    super(`allow-list entry ${id}: ${message}`);
    this.name = 'AllowListError';
  }
}

export const TAG_FIELDS = ['instance-tag', 'instance-tag-2', 'interface-tag', 'interface-tag-2', 'asg-tag', 'asg-tag-2', 'tags'] as const;

function expiryMs(e: AllowListEntry): number | undefined {
  if (e.expiresAt === undefined) return undefined;
  const ms = typeof e.expiresAt === 'number' ? e.expiresAt : Date.parse(e.expiresAt);
  if (!Number.isFinite(ms)) throw new AllowListError(e.id, `expiresAt ${String(e.expiresAt)} is not a date`);
  return ms;
}

const port = (id: string, name: string, v: number | undefined) => {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 65535)) throw new AllowListError(id, `${name} ${v} is not a port`);
  return v;
};

/**
 * Validate entries. Throws {@link AllowListError} on a malformed entry
 * (configuration errors fail at load, not silently per row).
 */
export function compileAllowList(entries: ReadonlyArray<AllowListEntry>): CompiledAllowEntry[] {
  const out: CompiledAllowEntry[] = [];
  const ids = new Set<string>();
  for (const e of entries) {
    if (!e.id) throw new AllowListError('(no id)', 'id is required');
    if (ids.has(e.id)) throw new AllowListError(e.id, 'duplicate id');
    ids.add(e.id);
    if (!e.owner?.trim()) throw new AllowListError(e.id, 'owner is required');
    if (!e.reason?.trim()) throw new AllowListError(e.id, 'reason is required');
    const m = e.match ?? {};
    const cidr = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      const c = parseCidr(v);
      if (!c) throw new AllowListError(e.id, `${name} ${v} is not a CIDR`);
      return c;
    };
    const c: CompiledAllowEntry = {
      id: e.id, cidr: cidr('cidr', m.cidr), srcCidr: cidr('srcCidr', m.srcCidr), dstCidr: cidr('dstCidr', m.dstCidr),
      port: port(e.id, 'port', m.port), srcPort: port(e.id, 'srcPort', m.srcPort), dstPort: port(e.id, 'dstPort', m.dstPort),
      protocol: m.protocol, eni: m.eni, account: m.account, tag: m.tag,
      direction: m.direction === undefined ? undefined : m.direction === 'ingress' ? 1 : m.direction === 'egress' ? 2 : -1,
    };
    if (c.direction === -1) throw new AllowListError(e.id, `direction ${String(m.direction)} must be ingress or egress`);
    if (m.tag !== undefined && !/^[^=\s]+=.*$/.test(m.tag)) throw new AllowListError(e.id, 'tag must be key=value');
    if (Object.entries(c).filter(([k, v]) => k !== 'id' && v !== undefined).length === 0) {
      throw new AllowListError(e.id, 'match must constrain at least one field (an empty match would allow everything)');
    }
    const exp = expiryMs(e);
    out.push(exp === undefined ? c : { ...c, expiresAtMs: exp });
  }
  return out;
}

/** Entries in force at `now`; expired ones are listed so they can be reported and cleaned up. */
export function activeAllowEntries(entries: ReadonlyArray<CompiledAllowEntry>, now: number): { active: CompiledAllowEntry[]; expired: string[] } {
  const active: CompiledAllowEntry[] = [];
  const expired: string[] = [];
  for (const e of entries) {
    if (e.expiresAtMs !== undefined && e.expiresAtMs <= now) expired.push(e.id);
    else active.push(e);
  }
  return { active, expired };
}

/** What the filter knows about one row, resolved once per row. */
export interface RowView {
  srcV4: number;
  srcV6: bigint | undefined;
  dstV4: number;
  dstV6: bigint | undefined;
  srcPort: number;
  dstPort: number;
  protocol: number;
  eni: string;
  account: string;
  direction: number;
  tags: () => string[];
}

export function tagMatches(values: string[], tag: string): boolean {
  for (const v of values) {
    let from = 0;
    for (;;) {
      const i = v.indexOf(tag, from);
      if (i < 0) break;
      const before = i === 0 ? '' : v[i - 1];
      const after = v[i + tag.length] ?? '';
      if ((before === '' || /[\s,;|{"]/.test(before as string)) && (after === '' || /[\s,;|}"]/.test(after))) return true;
      from = i + 1;
    }
  }
  return false;
}

export function matchAllowEntry(e: CompiledAllowEntry, r: RowView): boolean {
  if (e.srcCidr && !cidrContains(e.srcCidr, r.srcV4, r.srcV6)) return false;
  if (e.dstCidr && !cidrContains(e.dstCidr, r.dstV4, r.dstV6)) return false;
  if (e.cidr && !cidrContains(e.cidr, r.srcV4, r.srcV6) && !cidrContains(e.cidr, r.dstV4, r.dstV6)) return false;
  if (e.srcPort !== undefined && r.srcPort !== e.srcPort) return false;
  if (e.dstPort !== undefined && r.dstPort !== e.dstPort) return false;
  if (e.port !== undefined && r.srcPort !== e.port && r.dstPort !== e.port) return false;
  if (e.protocol !== undefined && r.protocol !== e.protocol) return false;
  if (e.eni !== undefined && r.eni !== e.eni) return false;
  if (e.account !== undefined && r.account !== e.account) return false;
  if (e.direction !== undefined && r.direction !== e.direction) return false;
  if (e.tag !== undefined && !tagMatches(r.tags(), e.tag)) return false;
  return true;
}
