/**
 * Threat lists for the ingest marks: the bundled, dated snapshots of
 * @flowguard/threat-intel, where configured files of a kind REPLACE that kind's
 * snapshot (a current list beats a dated one: a stale snapshot keeps marking
 * addresses that stopped being exits or pools), and custom lists are added.
 * A file that cannot be read, or yields no address while having rejected
 * lines, is an error naming its variable; a few bad lines in a good list are
 * counted (`issues` in the stats), not fatal.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  IpSetList, MINING_POOLS_SNAPSHOT, ThreatIntel, TOR_EXITS_SNAPSHOT, TOR_RELAYS_SNAPSHOT, type ListKind,
} from '@flowguard/threat-intel';

export interface ThreatIntelFiles {
  readonly torExits: readonly string[];
  readonly torRelays: readonly string[];
  readonly miningPools: readonly string[];
  readonly custom: readonly string[];
}

const VARIABLE: Record<keyof ThreatIntelFiles, string> = {
  torExits: 'INGEST_TOR_EXIT_LISTS', torRelays: 'INGEST_TOR_RELAY_LISTS', miningPools: 'INGEST_MINING_POOL_LISTS', custom: 'INGEST_THREAT_LISTS',
};

function read(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${variable}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function parse(key: keyof ThreatIntelFiles, file: string): IpSetList[] {
  const text = read(VARIABLE[key], file);
  const meta = { name: basename(file), source: file };
  let lists: IpSetList[];
  if (key === 'torRelays' && text.trimStart().startsWith('{')) {
    const onionoo = IpSetList.fromOnionooDetails(text, meta);
    lists = [onionoo.relays];
  } else if (key === 'torExits' && /^ExitAddress /m.test(text)) {
    lists = [IpSetList.fromTorDnsel(text, meta)];
  } else {
    const kind: ListKind = key === 'torExits' ? 'tor-exit' : key === 'torRelays' ? 'tor-relay' : key === 'miningPools' ? 'mining-pool' : 'custom';
    lists = [IpSetList.parseLines(text, { ...meta, kind })];
  }
  for (const l of lists) {
    if (l.size === 0 && l.issueCount > 0) {
      const first = l.issues[0];
      throw new Error(`${VARIABLE[key]}: ${file} has no usable address (${l.issueCount} bad lines; line ${first?.line}: ${first?.reason})`);
    }
  }
  return lists;
}

/** Build the lookup; throws an Error naming the variable of a bad file. */
export function loadThreatIntelFiles(f: ThreatIntelFiles): ThreatIntel {
  const snap = (s: { name: string; asOf: string; source: string; text: string }, kind: ListKind) =>
    [IpSetList.parseLines(s.text, { name: s.name, kind, asOf: s.asOf, source: s.source })];
  const load = (key: keyof ThreatIntelFiles) => f[key].flatMap((file) => parse(key, file));
  return new ThreatIntel({
    torExits: f.torExits.length ? load('torExits') : snap(TOR_EXITS_SNAPSHOT, 'tor-exit'),
    torRelays: f.torRelays.length ? load('torRelays') : snap(TOR_RELAYS_SNAPSHOT, 'tor-relay'),
    miningPools: f.miningPools.length ? load('miningPools') : snap(MINING_POOLS_SNAPSHOT, 'mining-pool'),
    custom: load('custom'),
  });
}

export function threatIntelFileList(f: ThreatIntelFiles): string[] {
  return [...f.torExits, ...f.torRelays, ...f.miningPools, ...f.custom];
}
