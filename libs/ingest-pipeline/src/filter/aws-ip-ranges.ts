/**
 * AWS ip-ranges.json (awsdocs aws-ip-ranges.md):
 * `{syncToken, createDate "YYYY-MM-DD-hh-mm-ss", prefixes:[{ip_prefix, region, network_border_group, service}], ipv6_prefixes:[{ipv6_prefix, …}]}`.
 * AMAZON is a superset of the other subsets, so for one address the most
 * specific prefix decides, and at equal prefixes a named subset beats AMAZON.
 */
import { IpPrefixIndex } from './ip-prefix.index';
import snapshot from './aws-ip-ranges.snapshot.json';

export interface AwsIpRanges {
  readonly syncToken: string;
  readonly createDate: string;
  readonly prefixCount: number;
  /** services of the most specific prefix holding the address (named subsets first), or undefined */
  services(ip: string): readonly string[] | undefined;
  servicesV4(ip: number): readonly string[] | undefined;
  servicesV6(ip: bigint): readonly string[] | undefined;
}

export class IpRangesError extends Error {
  constructor(message: string) {
    super(`ip-ranges.json: ${message}`);
    this.name = 'IpRangesError';
  }
}

const mergeServices = (a: string[], b: string[]) => {
  const all = [...new Set([...a, ...b])];
  // AMAZON (the superset) last, so services[0] is the most telling name
  return all.sort((x, y) => (x === 'AMAZON' ? 1 : 0) - (y === 'AMAZON' ? 1 : 0) || x.localeCompare(y));
};

/** Validate and index a parsed ip-ranges.json document. Throws {@link IpRangesError} on a malformed one. */
export function buildAwsIpRanges(doc: unknown): AwsIpRanges {
  if (!doc || typeof doc !== 'object') throw new IpRangesError('not a JSON object');
  const d = doc as Record<string, unknown>;
  const v4 = d['prefixes'];
  const v6 = d['ipv6_prefixes'] ?? [];
  if (!Array.isArray(v4) || !Array.isArray(v6)) throw new IpRangesError('prefixes / ipv6_prefixes must be arrays');
  const entries: Array<{ cidr: string; value: string[] }> = [];
  for (const [list, field] of [[v4, 'ip_prefix'], [v6, 'ipv6_prefix']] as const) {
    for (const p of list) {
      const cidr = (p as Record<string, unknown>)?.[field];
      const service = (p as Record<string, unknown>)?.['service'];
      if (typeof cidr !== 'string' || typeof service !== 'string') throw new IpRangesError(`an entry lacks ${field} or service`);
      entries.push({ cidr, value: [service] });
    }
  }
  const index = new IpPrefixIndex<string[]>(entries, mergeServices);
  if (index.rejected.length) throw new IpRangesError(`unparseable prefixes: ${index.rejected.slice(0, 5).join(', ')}`);
  if (entries.length === 0) throw new IpRangesError('no prefixes');
  return {
    syncToken: String(d['syncToken'] ?? ''),
    createDate: String(d['createDate'] ?? ''),
    prefixCount: entries.length,
    services: (ip) => index.lookup(ip),
    servicesV4: (ip) => index.lookupV4(ip),
    servicesV6: (ip) => index.lookupV6(ip),
  };
}

/** Parse the text of an ip-ranges.json download. */
export function parseAwsIpRanges(json: string): AwsIpRanges {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new IpRangesError(`not JSON: ${(e as Error).message}`);
  }
  return buildAwsIpRanges(doc);
}

/**
 * The small bundled snapshot (see its `_provenance`): a fallback so the filter
 * works offline. Production refreshes the full file from a configured URL
 * (`fetchAwsIpRanges` in @flowguard/ingest-adapters).
 */
export function bundledAwsIpRanges(): AwsIpRanges {
  return buildAwsIpRanges(snapshot);
}
