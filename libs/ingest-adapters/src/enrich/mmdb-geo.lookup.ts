/**
 * Country lookup from a local MMDB file. Default database:
 * @ip-location-db/geo-whois-asn-country-mmdb — data © NRO (nro.net), CC BY 4.0
 * (attribution required; see docs/ingest.md), merged from the five RIRs' delegation files.
 * Any MaxMind-format database with `country_code` or `country.iso_code` works.
 */
import maxmind, { type CountryResponse, type Reader } from 'maxmind';
import type { GeoIpLookup } from '@flowguard/ingest-pipeline';

export const DEFAULT_GEO_MMDB = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';
export const GEO_ATTRIBUTION = 'IP-to-country data © Number Resource Organization (nro.net), CC BY 4.0, via ip-location-db';

type GeoRecord = { country_code?: string; country?: { iso_code?: string } };

export class MmdbGeoLookup implements GeoIpLookup {
  // ip-location-db records are `{country_code}`, not MaxMind's typed shape: read as unknown
  private constructor(private readonly reader: Reader<CountryResponse>) {}

  /** Opens `path` (a file path, or a package-relative path resolved with require.resolve). */
  static async open(path: string = DEFAULT_GEO_MMDB): Promise<MmdbGeoLookup> {
    const file = path.startsWith('@') ? require.resolve(path) : path;
    // watch off: a reload is a new open() by the service, not a file watcher per process
    return new MmdbGeoLookup(await maxmind.open<CountryResponse>(file, { watchForUpdates: false }));
  }

  country(ip: string): string | undefined {
    if (!maxmind.validate(ip)) return undefined;
    const r = this.reader.get(ip) as unknown as GeoRecord | null;
    return r?.country_code ?? r?.country?.iso_code ?? undefined;
  }
}
