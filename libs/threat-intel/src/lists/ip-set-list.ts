/**
 * Named, dated IP lists (Tor exits, Tor relays, mining pools, custom threat
 * lists) and the parsers for the formats they are published in.
 *
 * Parsers never throw on bad lines: each rejected line is recorded as an issue
 * (first 100 kept, all counted) so a refresh job can report and dead-letter it.
 */
import { IpSet, type IpSetEntry } from '../ip/ip-set';

export type ListKind = 'tor-exit' | 'tor-relay' | 'mining-pool' | 'custom';

export interface ListMeta {
  /** list name as shown in findings, e.g. `tor-bulk-exit` or `acme-blocklist` */
  name: string;
  kind: ListKind;
  /** where the data came from (URL or file) */
  source?: string;
  /** ISO date (or date-time) of the data; bundled snapshots always carry one */
  asOf?: string;
}

export interface ParseIssue {
  line: number;
  text: string;
  reason: string;
}

const MAX_ISSUES = 100;

export class IpSetList {
  readonly set = new IpSet();
  readonly issues: ParseIssue[] = [];
  issueCount = 0;

  constructor(readonly meta: ListMeta) {}

  get size(): number {
    return this.set.size;
  }

  add(cidr: string, reason?: string, ports?: number[]): boolean {
    return this.set.add(cidr, reason, ports);
  }

  has(ip: string): boolean {
    return this.set.lookup(ip) !== null;
  }

  lookup(ip: string): IpSetEntry | null {
    return this.set.lookup(ip);
  }

  reject(line: number, text: string, reason: string): void {
    this.issueCount++;
    if (this.issues.length < MAX_ISSUES) this.issues.push({ line, text: text.slice(0, 200), reason });
  }

  /**
   * One entry per line: `IP`, `CIDR`, `IP:port`, `[IPv6]:port`, optionally
   * followed by whitespace, `,` or `;` and a free-text reason. `#` and `//`
   * start comments; blank lines are skipped. Used for custom threat lists and
   * mining-pool lists (e.g. CoinBlocker's MiningServerIPList.txt).
   */
  static parseLines(text: string, meta: ListMeta): IpSetList {
    const list = new IpSetList(meta);
    const lines = text.split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const raw = lines[n] as string;
      const line = stripComment(raw).trim();
      if (!line) continue;
      const m = /^(\S+?)(?:[\s,;]+(.*))?$/.exec(line);
      const token = m?.[1] ?? '';
      const reason = m?.[2]?.trim() || inlineComment(raw);
      const { addr, port } = splitHostPort(token);
      if (!list.add(addr, reason || undefined, port === undefined ? undefined : [port])) {
        list.reject(n + 1, raw, `not an IP address or CIDR: ${token}`);
      }
    }
    return list;
  }

  /** https://check.torproject.org/torbulkexitlist: one exit IP per line. */
  static fromTorBulkExitList(text: string, meta: Partial<ListMeta> = {}): IpSetList {
    return IpSetList.parseLines(text, { name: 'tor-bulk-exit', kind: 'tor-exit', source: 'https://check.torproject.org/torbulkexitlist', ...meta });
  }

  /** The older TorDNSEL exit-list format: only `ExitAddress <ip> <date> <time>` lines carry addresses. */
  static fromTorDnsel(text: string, meta: Partial<ListMeta> = {}): IpSetList {
    const list = new IpSetList({ name: 'tor-dnsel-exit', kind: 'tor-exit', ...meta });
    const lines = text.split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const line = (lines[n] as string).trim();
      if (!line.startsWith('ExitAddress')) continue;
      const ip = line.split(/\s+/)[1] ?? '';
      if (!list.add(ip)) list.reject(n + 1, line, 'bad ExitAddress');
    }
    return list;
  }

  /**
   * Onionoo `details` documents (https://onionoo.torproject.org/details?type=relay&running=true).
   * - `relays`: every relay's `or_addresses` (guards and middles too): the
   *   destinations of an outbound Tor client (T1090.003); ORPorts kept per IP.
   * - `exits`: `exit_addresses` plus the OR address of relays flagged `Exit`:
   *   the sources of inbound traffic from Tor.
   * - `guards`: OR addresses of relays flagged `Guard` (a client's first hop).
   */
  static fromOnionooDetails(
    input: string | unknown,
    meta: Partial<Omit<ListMeta, 'kind'>> = {},
  ): { relays: IpSetList; exits: IpSetList; guards: IpSetList } {
    const doc = (typeof input === 'string' ? safeJson(input) : input) as OnionooDoc | undefined;
    const asOf = meta.asOf ?? doc?.relays_published;
    const base = { source: 'https://onionoo.torproject.org/details', ...meta, ...(asOf ? { asOf } : {}) };
    const relays = new IpSetList({ ...base, name: meta.name ? `${meta.name}-relays` : 'onionoo-relays', kind: 'tor-relay' });
    const exits = new IpSetList({ ...base, name: meta.name ? `${meta.name}-exits` : 'onionoo-exits', kind: 'tor-exit' });
    const guards = new IpSetList({ ...base, name: meta.name ? `${meta.name}-guards` : 'onionoo-guards', kind: 'tor-relay' });
    if (!doc || !Array.isArray(doc.relays)) {
      relays.reject(0, typeof input === 'string' ? input.slice(0, 80) : '', 'not an Onionoo details document (no relays[])');
      return { relays, exits, guards };
    }
    doc.relays.forEach((r, i) => {
      if (!r || typeof r !== 'object') return;
      if (r.running === false) return;
      const flags = Array.isArray(r.flags) ? r.flags : [];
      const nick = typeof r.nickname === 'string' ? r.nickname : undefined;
      for (const a of Array.isArray(r.or_addresses) ? r.or_addresses : []) {
        const { addr, port } = splitHostPort(String(a));
        const ports = port === undefined ? undefined : [port];
        if (!relays.add(addr, nick, ports)) relays.reject(i, String(a), 'bad or_address');
        if (flags.includes('Guard')) guards.add(addr, nick, ports);
        if (flags.includes('Exit')) exits.add(addr, nick);
      }
      for (const a of Array.isArray(r.exit_addresses) ? r.exit_addresses : []) {
        if (!exits.add(String(a), nick)) exits.reject(i, String(a), 'bad exit_address');
      }
    });
    return { relays, exits, guards };
  }
}

interface OnionooDoc {
  relays_published?: string;
  relays?: Array<{
    nickname?: unknown;
    or_addresses?: unknown[];
    exit_addresses?: unknown[];
    flags?: string[];
    running?: boolean;
  }>;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  const slashes = line.indexOf('//');
  let cut = line.length;
  if (hash >= 0) cut = hash;
  if (slashes >= 0 && slashes < cut) cut = slashes;
  return line.slice(0, cut);
}

function inlineComment(line: string): string {
  const hash = line.indexOf('#');
  return hash > 0 ? line.slice(hash + 1).trim() : '';
}

/** `1.2.3.4:443` → addr + port; `[2001:db8::1]:9001` → addr + port; anything else → addr only. */
export function splitHostPort(token: string): { addr: string; port?: number } {
  if (token.startsWith('[')) {
    const close = token.indexOf(']');
    if (close > 0) {
      const port = token[close + 1] === ':' ? Number(token.slice(close + 2)) : NaN;
      return { addr: token.slice(1, close), ...(Number.isInteger(port) && port >= 0 && port < 65536 ? { port } : {}) };
    }
  }
  const colon = token.indexOf(':');
  if (colon > 0 && colon === token.lastIndexOf(':')) {
    const port = Number(token.slice(colon + 1));
    if (Number.isInteger(port) && port >= 0 && port < 65536) return { addr: token.slice(0, colon), port };
  }
  return { addr: token };
}
