/**
 * Ports of the enrichment sources. Each may be slow or down; the enricher
 * bounds their cost and marks rows ENRICH_DEGRADED instead of failing ingest.
 */

/** Local geo-IP database (MMDB): synchronous and in-memory. */
export interface GeoIpLookup {
  /** ISO 3166-1 alpha-2 country code, or undefined when unknown */
  country(ip: string): string | undefined;
}

export interface AsnInfo {
  /** autonomous system number (AS0, "not routed", is reported as unknown) */
  readonly asn: number;
  /** organisation holding the AS, as the database names it */
  readonly org: string;
}

/** Local IP-to-ASN table: synchronous and in-memory. */
export interface AsnLookup {
  asn(ip: string): AsnInfo | undefined;
}

export interface EniMetadata {
  readonly interfaceId: string;
  readonly instanceId?: string;
  readonly description?: string;
  /** e.g. interface, nat_gateway, network_load_balancer, vpc_endpoint, lambda */
  readonly interfaceType?: string;
  readonly subnetId?: string;
  readonly vpcId?: string;
  readonly securityGroups: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** EC2 DescribeNetworkInterfaces; unknown ids are simply absent from the map. Throws when EC2 is unreachable. */
export interface EniMetadataProvider {
  describe(interfaceIds: readonly string[]): Promise<Map<string, EniMetadata>>;
}

/** PTR lookup. Resolves [] for "no PTR record"; throws on timeouts and resolver failures. */
export interface ReverseDnsResolver {
  reverse(ip: string): Promise<string[]>;
}
