/** What the detection benches read from a `flowguard simulate` folder: its flow-log files and its threat intel. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IpSetList, ThreatIntel } from '@flowguard/threat-intel';

/** Every `.log` file below `dir`, in name order per folder. */
export function simulationLogFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...simulationLogFiles(p));
    else if (name.endsWith('.log')) out.push(p);
  }
  return out;
}

/** The simulation's intel.json as threat intel; the bundled lists when it has none. */
export function simulationIntel(dir: string): ThreatIntel {
  try {
    const j = JSON.parse(readFileSync(join(dir, 'intel.json'), 'utf8')) as Record<string, string[]>;
    const list = (key: string, kind: 'tor-exit' | 'tor-relay' | 'mining-pool' | 'custom') => [IpSetList.parseLines((j[key] ?? []).join('\n'), { name: key, kind })];
    return new ThreatIntel({ torExits: list('torExits', 'tor-exit'), torRelays: list('torRelays', 'tor-relay'), miningPools: list('miningPools', 'mining-pool'), custom: list('malicious', 'custom') });
  } catch {
    return ThreatIntel.bundled();
  }
}
