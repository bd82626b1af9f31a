import { readFileSync } from 'node:fs';
import {
  IpSetList, MINING_POOLS_SNAPSHOT, type ListKind, ThreatIntel, TOR_EXITS_SNAPSHOT, TOR_RELAYS_SNAPSHOT,
} from '@flowguard/threat-intel';
import { UsageError } from './cli-args';

/** The JSON shape `flowguard simulate` writes as intel.json; every list is optional. */
export interface IntelFile {
  torExits?: string[];
  torRelays?: string[];
  miningPools?: string[];
  malicious?: string[];
}

/**
 * The lookup the CLI hands the detection engine: the bundled, dated snapshots
 * plus every `--intel` file. A `.json` file is read as {@link IntelFile}; any
 * other file is a custom threat list (one IP/CIDR per line, `#` comments).
 */
export function loadThreatIntel(files: readonly string[]): ThreatIntel {
  const snap = (s: { name: string; asOf: string; source: string; text: string }, kind: ListKind) =>
    IpSetList.parseLines(s.text, { name: s.name, kind, asOf: s.asOf, source: s.source });
  const torExits = [snap(TOR_EXITS_SNAPSHOT, 'tor-exit')];
  const torRelays = [snap(TOR_RELAYS_SNAPSHOT, 'tor-relay')];
  const miningPools = [snap(MINING_POOLS_SNAPSHOT, 'mining-pool')];
  const custom: IpSetList[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --intel ${file}: ${(e as Error).message}`);
    }
    if (file.endsWith('.json')) {
      let data: IntelFile;
      try {
        data = JSON.parse(text) as IntelFile;
      } catch (e) {
        throw new UsageError(`--intel ${file} is not valid JSON: ${(e as Error).message}`);
      }
      const list = (key: keyof IntelFile, kind: ListKind) => {
        const v = data[key];
        if (v === undefined) return undefined;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new UsageError(`--intel ${file}: "${key}" must be an array of strings`);
        return IpSetList.parseLines(v.join('\n'), { name: `${file}#${key}`, kind, source: file });
      };
      const add = (into: IpSetList[], l: IpSetList | undefined) => {
        if (l) into.push(l);
      };
      add(torExits, list('torExits', 'tor-exit'));
      add(torRelays, list('torRelays', 'tor-relay'));
      add(miningPools, list('miningPools', 'mining-pool'));
      add(custom, list('malicious', 'custom'));
    } else {
      custom.push(IpSetList.parseLines(text, { name: file, kind: 'custom', source: file }));
    }
  }
  return new ThreatIntel({ torExits, torRelays, miningPools, custom });
}
