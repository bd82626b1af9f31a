import { toBool, toInt, toList, type CrossCheck } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/** `0.01` → 0.01; anything that is not a plain decimal stays a string so the validator names it. */
export const toNumber = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  return /^-?\d+(\.\d+)?([eE]-?\d+)?$/.test(value.trim()) ? Number(value.trim()) : value;
};

const toIntList = ({ value }: { value: unknown }): unknown => {
  const list = toList({ value });
  return Array.isArray(list) ? list.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)) : list;
};

export const AWS_IP_RANGES_URL = 'https://ip-ranges.amazonaws.com/ip-ranges.json';

/**
 * Variables of the ingest pipeline (tier-1 filter, threat-intel marks,
 * enrichment, flow storage); read together with the delivery-path variables
 * ({@link IngestEnv} extends this class), so every problem is reported at once.
 * Documented in docs/services.md and docs/ingest.md.
 */
export class PipelineEnv {
  // --- tier-1 noise filter (ADR 0014) ---
  /** apply the tier-1 filter (off: every row goes to detection and storage) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_FILTER = true;

  /** JSON allow-list: an array (or `{ "entries": [...] }`) of `{ id, owner, reason, expiresAt?, match }` */
  @IsOptional() @IsString() @MinLength(1)
  INGEST_ALLOW_LIST_FILE?: string;

  /** health checks: `mark` keeps them in detection with Mark.HEALTH_CHECK, `drop` removes them */
  @IsIn(['mark', 'drop'], { message: 'must be mark or drop' })
  INGEST_HEALTH_CHECK_MODE: 'mark' | 'drop' = 'mark';

  /** load-balancer private IPs / subnets (comma-separated CIDRs or addresses) */
  @Transform(toList) @IsArray() @ArrayMaxSize(1000) @IsString({ each: true })
  INGEST_LB_CIDRS: string[] = [];

  /** load-balancer ENI ids (comma-separated) */
  @Transform(toList) @IsArray() @ArrayMaxSize(10000)
  @Matches(/^eni-[0-9a-zA-Z]{1,32}$/, { each: true, message: 'must be ENI ids like eni-0123456789abcdef0' })
  INGEST_LB_ENIS: string[] = [];

  /** health-check / target ports (comma-separated); empty = any port */
  @Transform(toIntList) @IsArray() @IsInt({ each: true, message: 'must be ports (integers 0..65535)' })
  @Min(0, { each: true, message: 'must be ports (integers 0..65535)' }) @Max(65535, { each: true, message: 'must be ports (integers 0..65535)' })
  INGEST_HEALTH_CHECK_PORTS: number[] = [];

  /** share of known-benign established rows kept for storage, 0..1 */
  @Transform(toNumber) @IsNumber({}, { message: 'must be a number between 0 and 1' }) @Min(0) @Max(1)
  INGEST_STORAGE_SAMPLE_RATE = 0.01;

  /**
   * AWS ip-ranges.json: an http(s) URL (production: AWS_IP_RANGES_URL), a file path, or `bundled`
   * (the small offline snapshot). Default `bundled`: the service makes no outbound call unless told to.
   */
  @IsString() @MinLength(1)
  INGEST_IP_RANGES = 'bundled';

  /** how often ip-ranges is loaded again (and the filter rebuilt), ms */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(60_000)
  INGEST_IP_RANGES_REFRESH_MS = 24 * 3600 * 1000;

  /** how often the allow-list and threat-list files are checked for changes (mtime), ms; 0 = never */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(0)
  INGEST_RELOAD_MS = 30_000;

  // --- threat-intel marks (before the filter, so flagged rows are protected) ---
  /** mark Tor / mining-pool / listed addresses (off: no marks at ingest) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_THREAT_INTEL = true;

  /** Tor exit lists (torbulkexitlist or TorDNSEL format); replace the bundled snapshot */
  @Transform(toList) @IsArray() @IsString({ each: true })
  INGEST_TOR_EXIT_LISTS: string[] = [];

  /** Tor relay lists (Onionoo details JSON, or one address per line); replace the bundled snapshot */
  @Transform(toList) @IsArray() @IsString({ each: true })
  INGEST_TOR_RELAY_LISTS: string[] = [];

  /** mining-pool address lists (one address/CIDR per line); replace the bundled snapshot */
  @Transform(toList) @IsArray() @IsString({ each: true })
  INGEST_MINING_POOL_LISTS: string[] = [];

  /** custom threat lists (one address/CIDR per line, `# reason`), named after the file */
  @Transform(toList) @IsArray() @IsString({ each: true })
  INGEST_THREAT_LISTS: string[] = [];

  // --- enrichment of detection rows (after the filter) ---
  /** country of public peers from a local MMDB (no network) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_GEO = true;

  /** another MMDB file (default: the bundled NRO country database) */
  @IsOptional() @IsString() @MinLength(1)
  INGEST_GEO_MMDB?: string;

  /**
   * autonomous system (number and organisation) of public peers from the bundled
   * @ip-location-db/asn tables (RouteViews + RIRs + DB-IP, CC BY 4.0; ~2 s and ~10 MB at boot).
   * Part of the geo enrichment: only with INGEST_GEO=true
   */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_ASN = true;

  /** other `start,end,asn,org` range tables (numeric addresses, sorted), IPv4 and IPv6 */
  @IsOptional() @IsString() @MinLength(1)
  INGEST_ASN_IPV4_CSV?: string;

  @IsOptional() @IsString() @MinLength(1)
  INGEST_ASN_IPV6_CSV?: string;

  /** ENI metadata from EC2 DescribeNetworkInterfaces (needs EC2 access: AWS_REGION and credentials, or EC2_ENDPOINT) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_ENI_METADATA = false;

  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  EC2_ENDPOINT?: string;

  /** reverse DNS of public peers (network calls; off by default) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  INGEST_REVERSE_DNS = false;

  /** resolvers for reverse DNS (`ip` or `ip:port`, comma-separated); default the system's */
  @Transform(toList) @IsArray() @ArrayMaxSize(8)
  @Matches(/^[0-9a-fA-F.:[\]]+$/, { each: true, message: 'must be resolver addresses (ip or ip:port)' })
  INGEST_DNS_SERVERS: string[] = [];

  @Transform(toInt) @IsInt({ message: 'must be an integer' }) @Min(1) @Max(10_000)
  INGEST_DNS_PER_SECOND = 50;

  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(50) @Max(10_000)
  INGEST_DNS_TIMEOUT_MS = 500;

  // --- flow storage (libs/flow-storage): the filter's storage output ---
  /** write the storage rows as ZSTD Parquet (local directory, or S3 with FLOWS_S3_BUCKET) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  FLOWS_PARQUET = true;

  /** local Parquet directory; default `<FLOWGUARD_DATA_DIR>/flows`, else `.flowguard/data/flows` */
  @IsOptional() @IsString() @MinLength(1)
  FLOWS_DIR?: string;

  /** read to derive the default FLOWS_DIR (the kit validates it) */
  @IsOptional() @IsString()
  FLOWGUARD_DATA_DIR?: string;

  /** Parquet files go to this bucket instead of FLOWS_DIR */
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'must be an S3 bucket name' })
  FLOWS_S3_BUCKET?: string;

  @IsString() @MaxLength(1024)
  FLOWS_S3_PREFIX = 'flows/';

  /** whole UTC days of Parquet kept */
  @Transform(toInt) @IsInt({ message: 'must be a whole number of days' }) @Min(1) @Max(3650)
  FLOWS_RETENTION_DAYS = 90;

  /** a Parquet file is closed (and its rows durable) at the latest this long after it was opened, ms */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(1000) @Max(3_600_000)
  FLOWS_MAX_FILE_AGE_MS = 300_000;

  /** OpenSearch for interactive history (daily indices); when set, history queries go there */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  FLOWS_OPENSEARCH_URL?: string;

  @IsOptional() @IsString() @MaxLength(256)
  FLOWS_OPENSEARCH_USERNAME?: string;

  @IsOptional() @IsString() @MaxLength(4096)
  FLOWS_OPENSEARCH_PASSWORD?: string;

  /**
   * IAM auth: sign every request with AWS SigV4 for this service (`es` = Amazon OpenSearch
   * Service domain, `aoss` = OpenSearch Serverless), credentials from the default AWS chain
   * (task role, environment, profile); needs AWS_REGION, excludes the username/password
   */
  @IsOptional() @IsIn(['es', 'aoss'], { message: 'must be es (OpenSearch Service) or aoss (Serverless)' })
  FLOWS_OPENSEARCH_AWS_SIGV4?: 'es' | 'aoss';

  @Matches(/^[a-z0-9][a-z0-9._-]{0,100}$/, { message: 'must be a lower-case index name prefix' })
  FLOWS_OPENSEARCH_PREFIX = 'flowguard-flows';

  @Transform(toInt) @IsInt({ message: 'must be an integer' }) @Min(0) @Max(10)
  FLOWS_OPENSEARCH_REPLICAS = 1;

  @Transform(toInt) @IsInt({ message: 'must be a whole number of days' }) @Min(1) @Max(3650)
  FLOWS_OPENSEARCH_RETENTION_DAYS = 14;

  @IsOptional() @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must look like an AWS region, e.g. eu-west-1' })
  AWS_REGION?: string;
}

export const pipelineChecks: CrossCheck<PipelineEnv>[] = [
  (e) => (e.INGEST_ENI_METADATA && !e.AWS_REGION && !e.EC2_ENDPOINT
    ? 'INGEST_ENI_METADATA=true requires EC2 access: AWS_REGION (with credentials in the usual AWS variables/role) or EC2_ENDPOINT'
    : null),
  (e) => (e.FLOWS_S3_BUCKET && !e.FLOWS_PARQUET ? 'FLOWS_S3_BUCKET is set but FLOWS_PARQUET=false: Parquet is what goes to the bucket' : null),
  (e) => ((e.FLOWS_OPENSEARCH_USERNAME === undefined) !== (e.FLOWS_OPENSEARCH_PASSWORD === undefined)
    ? 'FLOWS_OPENSEARCH_USERNAME and FLOWS_OPENSEARCH_PASSWORD go together' : null),
  (e) => (e.FLOWS_OPENSEARCH_AWS_SIGV4 && !e.AWS_REGION ? 'FLOWS_OPENSEARCH_AWS_SIGV4 requires AWS_REGION (the region of the domain)' : null),
  (e) => (e.FLOWS_OPENSEARCH_AWS_SIGV4 && e.FLOWS_OPENSEARCH_USERNAME !== undefined
    ? 'FLOWS_OPENSEARCH_AWS_SIGV4 and FLOWS_OPENSEARCH_USERNAME/PASSWORD exclude each other' : null),
];
