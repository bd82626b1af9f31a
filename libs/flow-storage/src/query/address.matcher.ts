/**
 * Does an address string fall in a network? Flow data repeats the same
 * addresses many times, so results are memoised per distinct string (bounded).
 */
import { cidrContains, parseIp, type ParsedCidr, type ParsedIp } from '@flowguard/threat-intel';

export function addressMatcher(network: ParsedCidr, cacheSize = 65_536): (address: unknown) => boolean {
  const cache = new Map<string, boolean>();
  const scratch: ParsedIp = { family: 4, v4: 0, v6: new Uint32Array(4) };
  return (address) => {
    if (typeof address !== 'string' || address === '') return false;
    let hit = cache.get(address);
    if (hit === undefined) {
      const ip = parseIp(address, scratch);
      hit = ip !== null && cidrContains(network, ip);
      if (cache.size >= cacheSize) cache.clear();
      cache.set(address, hit);
    }
    return hit;
  };
}
