import { TOR_EXITS_SNAPSHOT, TOR_RELAYS_SNAPSHOT, splitHostPort } from '@flowguard/threat-intel';

/**
 * Threat-intel entries the simulator uses for Tor, mining-pool and malicious-IP
 * attacks, written next to the flow logs (intel.json) so `flowguard eval` and
 * `flowguard analyze --intel` can load the same lists into the lookup.
 *
 * - Tor exits and relays come from the bundled, dated snapshots of
 *   @flowguard/threat-intel, so the default lookup already knows them.
 * - The bundled mining-pool snapshot is empty and there is no bundled custom
 *   threat list, so pools and "malicious" addresses use the IETF documentation
 *   ranges (RFC 5737), which never route on the internet: a simulated pool can never
 *   be confused with a real host. They must be configured into the lookup.
 * Benign traffic never uses any of these addresses.
 */
export interface SimIntel {
  /** inbound-from-Tor: exit addresses */
  torExits: string[];
  /** outbound Tor clients talk to relay OR addresses (guards); all listen on ORPort 9001 */
  torRelays: string[];
  miningPools: string[];
  /** a user threat list (C2 / known bad) */
  malicious: string[];
}

const seq = (prefix: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}.${from + i}`);

interface SnapshotEntry {
  addr: string;
  port?: number;
}

function snapshotEntries(text: string): SnapshotEntry[] {
  const out: SnapshotEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const e = splitHostPort(line.split(/\s+/)[0] as string);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(e.addr)) out.push(e);
  }
  return out;
}

function defaultIntel(): SimIntel {
  const exits = snapshotEntries(TOR_EXITS_SNAPSHOT.text).map((e) => e.addr);
  const exitSet = new Set(exits);
  // guards for the outbound-client attack: relays on ORPort 9001 that are not also exits
  const relays = snapshotEntries(TOR_RELAYS_SNAPSHOT.text)
    .filter((e) => e.port === 9001 && !exitSet.has(e.addr))
    .map((e) => e.addr);
  return {
    torExits: exits.length >= 8 ? exits.slice(0, 20) : seq('203.0.113', 10, 20),
    torRelays: relays.length >= 3 ? relays.slice(0, 20) : seq('198.51.100', 20, 20),
    miningPools: seq('192.0.2', 10, 10),
    malicious: seq('192.0.2', 200, 20),
  };
}

export const DEFAULT_SIM_INTEL: SimIntel = defaultIntel();
