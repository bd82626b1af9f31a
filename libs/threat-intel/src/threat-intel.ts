/**
 * The threat-intel lookup the detectors use. One implementation composes any
 * number of {@link IpSetList}s per kind; detection code depends only on the
 * {@link ThreatIntelLookup} interface (engines cache results per address).
 */
import { IpSetList, type ListKind } from './lists/ip-set-list';
import { MINING_POOLS_SNAPSHOT, TOR_EXITS_SNAPSHOT, TOR_RELAYS_SNAPSHOT } from './snapshots/tor.snapshot';

export interface ThreatIntelLookup {
  /** inbound-from-Tor: the address is a Tor exit */
  torExit(ip: string): boolean;
  /** outbound Tor client: the address is a Tor relay (guard/middle/exit OR address) */
  torRelay(ip: string): boolean;
  miningPool(ip: string): boolean;
  /** the first custom threat list containing the address */
  listed(ip: string): { list: string; reason?: string } | null;
  /*
   * Optional numeric entry points, IPv4 as an unsigned 32-bit number: the same
   * answers as the string methods give for that address's dotted-quad text.
   * The ingest marker uses them (all four or none) so it never needs the
   * address as a string; lookups without them are asked with the text.
   */
  torExitV4?(ip: number): boolean;
  torRelayV4?(ip: number): boolean;
  miningPoolV4?(ip: number): boolean;
  listedV4?(ip: number): { list: string; reason?: string } | null;
}

export interface ListInfo {
  name: string;
  kind: ListKind;
  size: number;
  asOf?: string;
  source?: string;
  issues: number;
}

export interface ThreatIntelLists {
  torExits?: IpSetList[];
  torRelays?: IpSetList[];
  miningPools?: IpSetList[];
  custom?: IpSetList[];
}

export class ThreatIntel implements ThreatIntelLookup {
  private readonly torExits: IpSetList[];
  private readonly torRelays: IpSetList[];
  private readonly miningPools: IpSetList[];
  private readonly custom: IpSetList[];

  constructor(lists: ThreatIntelLists = {}) {
    this.torExits = lists.torExits ?? [];
    this.torRelays = lists.torRelays ?? [];
    this.miningPools = lists.miningPools ?? [];
    this.custom = lists.custom ?? [];
  }

  /** The bundled, dated snapshots (see snapshots/tor.snapshot.ts), optionally with custom lists. */
  static bundled(custom: IpSetList[] = []): ThreatIntel {
    const snap = (s: { name: string; asOf: string; source: string; text: string }, kind: ListKind) =>
      IpSetList.parseLines(s.text, { name: s.name, kind, asOf: s.asOf, source: s.source });
    return new ThreatIntel({
      torExits: [snap(TOR_EXITS_SNAPSHOT, 'tor-exit')],
      torRelays: [snap(TOR_RELAYS_SNAPSHOT, 'tor-relay')],
      miningPools: [snap(MINING_POOLS_SNAPSHOT, 'mining-pool')],
      custom,
    });
  }

  torExit(ip: string): boolean {
    return this.torExits.some((l) => l.has(ip));
  }

  torRelay(ip: string): boolean {
    return this.torRelays.some((l) => l.has(ip)) || this.torExit(ip);
  }

  /** Known ORPorts of a relay address (from Onionoo or the snapshot), when the source gave them. */
  torRelayPorts(ip: string): number[] {
    const ports = new Set<number>();
    for (const l of this.torRelays) for (const p of l.lookup(ip)?.ports ?? []) ports.add(p);
    return [...ports];
  }

  miningPool(ip: string): boolean {
    return this.miningPools.some((l) => l.has(ip));
  }

  listed(ip: string): { list: string; reason?: string } | null {
    for (const l of this.custom) {
      const e = l.lookup(ip);
      if (e) return { list: l.meta.name, ...(e.reason ? { reason: e.reason } : {}) };
    }
    return null;
  }

  torExitV4(ip: number): boolean {
    return this.torExits.some((l) => l.set.lookupV4(ip) !== null);
  }

  torRelayV4(ip: number): boolean {
    return this.torRelays.some((l) => l.set.lookupV4(ip) !== null) || this.torExitV4(ip);
  }

  miningPoolV4(ip: number): boolean {
    return this.miningPools.some((l) => l.set.lookupV4(ip) !== null);
  }

  listedV4(ip: number): { list: string; reason?: string } | null {
    for (const l of this.custom) {
      const e = l.set.lookupV4(ip);
      if (e) return { list: l.meta.name, ...(e.reason ? { reason: e.reason } : {}) };
    }
    return null;
  }

  describe(): ListInfo[] {
    return [...this.torExits, ...this.torRelays, ...this.miningPools, ...this.custom].map((l) => ({
      name: l.meta.name, kind: l.meta.kind, size: l.size, issues: l.issueCount,
      ...(l.meta.asOf ? { asOf: l.meta.asOf } : {}), ...(l.meta.source ? { source: l.meta.source } : {}),
    }));
  }
}

/** A lookup that knows nothing (tests, or deployments without lists). */
export const NO_THREAT_INTEL: ThreatIntelLookup = {
  torExit: () => false,
  torRelay: () => false,
  miningPool: () => false,
  listed: () => null,
};
