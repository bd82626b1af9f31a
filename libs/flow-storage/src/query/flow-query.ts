/**
 * The historical flow query ("what else did this host talk to in 14 days?"),
 * its validation and its cursor. Pure: no IO. Both backends (OpenSearch and
 * the embedded Parquet reader) answer the same validated query with the same
 * order — newest start first, then flow_id descending — so a cursor means the
 * same position in both.
 *
 * Semantics: `ip`/`cidr` match srcaddr, dstaddr, pkt-srcaddr or pkt-dstaddr;
 * `port` matches srcport or dstport; `eni` is interface-id; time is the
 * record's start in [from, to) (Unix seconds). Filters are AND-ed.
 */
import { createHash } from 'node:crypto';
import type { FlowRecord } from '@flowguard/contracts';
import { formatIpv4, parseCidr, parseIp, type ParsedCidr } from '@flowguard/threat-intel';

export interface FlowQuery {
  ip?: string;
  cidr?: string;
  port?: number;
  eni?: string;
  action?: 'ACCEPT' | 'REJECT';
  /** Unix seconds, inclusive */
  from: number;
  /** Unix seconds, exclusive */
  to: number;
  limit?: number;
  cursor?: string;
}

export interface FlowPage {
  records: FlowRecord[];
  /** present when more records match: pass it back as `cursor` with the same filters */
  cursor?: string;
}

/** A position in the (start desc, flow_id desc) order: the last record of a page. */
export interface CursorPosition {
  start: number;
  id: string;
}

export interface ValidatedFlowQuery {
  readonly from: number;
  readonly to: number;
  readonly limit: number;
  /** the ip (as a host prefix) or cidr, masked */
  readonly network?: ParsedCidr;
  /** canonical text of `network` for OpenSearch term queries, e.g. 10.0.0.0/8 */
  readonly networkText?: string;
  readonly port?: number;
  readonly eni?: string;
  readonly action?: 'ACCEPT' | 'REJECT';
  readonly after?: CursorPosition;
  /** hash of the filters a cursor is bound to */
  readonly fingerprint: string;
}

export interface FlowQueryLimits {
  /** default 100 */
  defaultLimit?: number;
  /** default 1000 */
  maxLimit?: number;
  /** longest [from, to) span in seconds (default 90 days) */
  maxRangeSeconds?: number;
}

export interface FlowQueryIssue {
  field: string;
  message: string;
}

/** Invalid query input; `issues` lists every problem found, for a 400 response. */
export class FlowQueryError extends Error {
  constructor(readonly issues: FlowQueryIssue[]) {
    super(`invalid flow query: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'FlowQueryError';
  }
}

const KNOWN = new Set(['ip', 'cidr', 'port', 'eni', 'action', 'from', 'to', 'limit', 'cursor']);
const ENI_RE = /^eni-[A-Za-z0-9]{1,32}$/;
// Unix seconds beyond year 5138 are almost certainly milliseconds
const MAX_SECONDS = 99_999_999_999;

export function validateFlowQuery(input: unknown, limits: FlowQueryLimits = {}): ValidatedFlowQuery {
  const issues: FlowQueryIssue[] = [];
  const bad = (field: string, message: string) => void issues.push({ field, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new FlowQueryError([{ field: 'query', message: 'must be an object' }]);
  const q = input as Record<string, unknown>;
  for (const k of Object.keys(q)) if (!KNOWN.has(k) && q[k] !== undefined) bad(k, `unknown parameter (known: ${[...KNOWN].join(', ')})`);

  const time = (field: 'from' | 'to'): number | undefined => {
    const v = q[field];
    if (v === undefined) return void bad(field, 'is required (Unix seconds)');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return void bad(field, 'must be a non-negative integer of Unix seconds');
    if (v > MAX_SECONDS) return void bad(field, 'looks like milliseconds; use Unix seconds');
    return v;
  };
  const from = time('from');
  const to = time('to');
  const maxRange = limits.maxRangeSeconds ?? 90 * 86400;
  if (from !== undefined && to !== undefined) {
    if (to <= from) bad('to', 'must be after from');
    else if (to - from > maxRange) bad('to', `range is longer than the ${Math.round(maxRange / 86400)}-day maximum`);
  }

  let network: ParsedCidr | undefined;
  if (q['ip'] !== undefined && q['cidr'] !== undefined) bad('cidr', 'give either ip or cidr, not both');
  else if (q['ip'] !== undefined) {
    const ip = typeof q['ip'] === 'string' ? q['ip'].trim() : '';
    if (!ip || ip.includes('/') || !parseIp(ip)) bad('ip', 'must be an IPv4 or IPv6 address');
    else network = parseCidr(ip) ?? undefined;
  } else if (q['cidr'] !== undefined) {
    const c = typeof q['cidr'] === 'string' ? q['cidr'].trim() : '';
    const parsed = c.includes('/') ? parseCidr(c) : null;
    if (!parsed) bad('cidr', 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/16 or 2001:db8::/32');
    else network = parsed;
  }

  const port = q['port'];
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) bad('port', 'must be an integer 0..65535');
  const eni = q['eni'];
  if (eni !== undefined && (typeof eni !== 'string' || !ENI_RE.test(eni))) bad('eni', 'must be an interface id like eni-0123456789abcdef0');
  const action = q['action'];
  if (action !== undefined && action !== 'ACCEPT' && action !== 'REJECT') bad('action', 'must be ACCEPT or REJECT');
  const maxLimit = limits.maxLimit ?? 1000;
  const limit = q['limit'] ?? limits.defaultLimit ?? 100;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maxLimit) bad('limit', `must be an integer 1..${maxLimit}`);
  if (q['cursor'] !== undefined && typeof q['cursor'] !== 'string') bad('cursor', 'must be a string from a previous page');
  if (issues.length > 0) throw new FlowQueryError(issues);

  const base = {
    from: from as number,
    to: to as number,
    limit: limit as number,
    ...(network ? { network, networkText: cidrText(network) } : {}),
    ...(port !== undefined ? { port: port as number } : {}),
    ...(eni !== undefined ? { eni: eni as string } : {}),
    ...(action !== undefined ? { action: action as 'ACCEPT' | 'REJECT' } : {}),
  };
  const fingerprint = fingerprintOf(base);
  const cursor = q['cursor'] as string | undefined;
  const after = cursor !== undefined ? decodeCursor(cursor, fingerprint) : undefined;
  return { ...base, fingerprint, ...(after ? { after } : {}) };
}

/**
 * Parse HTTP query parameters (`GET /v1/flows/history?ip=&from=…`): numbers from
 * strings, `from`/`to` as Unix seconds or ISO 8601 times, `action` in any case.
 */
export function parseFlowQueryParams(params: Record<string, string | string[] | undefined>, limits: FlowQueryLimits = {}): ValidatedFlowQuery {
  const issues: FlowQueryIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(params)) {
    if (raw === undefined) continue;
    if (Array.isArray(raw)) {
      issues.push({ field: k, message: 'given more than once' });
      continue;
    }
    const v = raw.trim();
    if (v === '') continue;
    if (k === 'port' || k === 'limit') out[k] = /^\d{1,10}$/.test(v) ? Number(v) : v;
    else if (k === 'from' || k === 'to') {
      if (/^\d{1,15}$/.test(v)) out[k] = Number(v);
      else {
        const t = Date.parse(v);
        if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(v)) out[k] = Math.floor(t / 1000);
        else issues.push({ field: k, message: 'must be Unix seconds or an ISO 8601 time' });
      }
    } else if (k === 'action') out[k] = v.toUpperCase();
    else out[k] = v;
  }
  if (issues.length > 0) throw new FlowQueryError(issues);
  return validateFlowQuery(out, limits);
}

function fingerprintOf(q: Omit<ValidatedFlowQuery, 'fingerprint' | 'after'>): string {
  const key = JSON.stringify([q.from, q.to, q.networkText ?? null, q.port ?? null, q.eni ?? null, q.action ?? null]);
  return createHash('sha1').update(key).digest('base64url').slice(0, 12);
}

export function encodeCursor(pos: CursorPosition, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ v: 1, s: pos.start, i: pos.id, f: fingerprint })).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new FlowQueryError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
  }
  const c = parsed as { v?: unknown; s?: unknown; i?: unknown; f?: unknown };
  if (c?.v !== 1 || typeof c.s !== 'number' || !Number.isInteger(c.s) || typeof c.i !== 'string' || typeof c.f !== 'string') {
    throw new FlowQueryError([{ field: 'cursor', message: 'is not a cursor returned by this API' }]);
  }
  if (c.f !== fingerprint) throw new FlowQueryError([{ field: 'cursor', message: 'belongs to a query with different filters or time range' }]);
  return { start: c.s, id: c.i };
}

/** True when (start, id) comes after `pos` in the (start desc, id desc) order. */
export function isAfter(start: number, id: string, pos: CursorPosition | undefined): boolean {
  if (!pos) return true;
  return start < pos.start || (start === pos.start && id < pos.id);
}

/** Canonical text of a masked CIDR (uncompressed IPv6 groups, which OpenSearch accepts). */
export function cidrText(c: ParsedCidr): string {
  if (c.family === 4) return `${formatIpv4(c.v4)}/${c.prefix}`;
  const groups: string[] = [];
  for (let k = 0; k < 4; k++) {
    const w = c.v6[k] as number;
    groups.push(((w >>> 16) & 0xffff).toString(16), (w & 0xffff).toString(16));
  }
  return `${groups.join(':')}/${c.prefix}`;
}
