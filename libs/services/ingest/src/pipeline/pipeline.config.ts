/**
 * The ingest pipeline's typed configuration, built from the validated
 * {@link PipelineEnv}. Files named by the environment (allow-list, threat
 * lists, ip-ranges, MMDB) are read and validated here too, at boot, so a bad
 * file stops the process with the variable that named it, not a warning later.
 */
import { resolve } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { IpRangesError, parseAwsIpRanges, parseCidr } from '@flowguard/ingest-pipeline';
import { readAllowListFile } from './allow-list.file';
import type { PipelineEnv } from './pipeline.env';
import { loadThreatIntelFiles, type ThreatIntelFiles } from './threat-intel.files';

export interface FilterConfig {
  readonly enabled: boolean;
  readonly allowListFile?: string;
  readonly healthCheckMode: 'mark' | 'drop';
  readonly lbCidrs: readonly string[];
  readonly lbEnis: readonly string[];
  readonly healthCheckPorts: readonly number[];
  readonly storageSampleRate: number;
  /** `bundled`, an http(s) URL or a file path */
  readonly ipRanges: string;
  readonly ipRangesRefreshMs: number;
  /** allow-list and threat-list files are re-read when they change; 0 = never */
  readonly reloadMs: number;
}

export interface EnrichmentConfig {
  readonly geo: boolean;
  readonly geoMmdb?: string;
  readonly asn: false | { readonly ipv4?: string; readonly ipv6?: string };
  readonly eniMetadata?: { readonly region: string; readonly endpoint?: string };
  readonly reverseDns?: { readonly servers: readonly string[]; readonly perSecond: number; readonly timeoutMs: number };
}

export interface StorageConfig {
  /** Parquet output: a local directory or an S3 bucket; absent = no Parquet */
  readonly parquet?:
    | { readonly kind: 'local'; readonly dir: string; readonly retentionDays: number; readonly maxFileAgeMs: number; readonly region: string }
    | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string; readonly s3Region: string; readonly endpoint?: string; readonly retentionDays: number; readonly maxFileAgeMs: number; readonly region: string };
  readonly opensearch?: {
    readonly url: string; readonly prefix: string; readonly replicas: number; readonly retentionDays: number;
    readonly auth?: { readonly username: string; readonly password: string };
    /** IAM: every request signed with SigV4 (Amazon OpenSearch Service `es`, Serverless `aoss`) */
    readonly sigv4?: { readonly region: string; readonly service: 'es' | 'aoss' };
  };
}

export interface PipelineConfig {
  readonly filter: FilterConfig;
  /** absent: no threat-intel marks at ingest */
  readonly threatIntel?: ThreatIntelFiles;
  readonly enrichment: EnrichmentConfig;
  readonly storage: StorageConfig;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Problems with the files and lists the variables name (empty when all is well). */
export function checkPipelineInputs(e: PipelineEnv): string[] {
  const problems: string[] = [];
  for (const c of e.INGEST_LB_CIDRS) if (!parseCidr(c)) problems.push(`INGEST_LB_CIDRS: ${JSON.stringify(c)} is not an address or CIDR`);
  if (e.INGEST_ALLOW_LIST_FILE) {
    try {
      readAllowListFile(e.INGEST_ALLOW_LIST_FILE);
    } catch (err) {
      problems.push(`INGEST_ALLOW_LIST_FILE: ${(err as Error).message}`);
    }
  }
  const ranges = e.INGEST_IP_RANGES;
  if (ranges !== 'bundled' && !isUrl(ranges)) {
    try {
      parseAwsIpRanges(readFileSync(ranges, 'utf8'));
    } catch (err) {
      problems.push(`INGEST_IP_RANGES: ${err instanceof IpRangesError ? err.message : `cannot read ${ranges}: ${(err as Error).message}`} (give a file, an http(s) URL, or bundled)`);
    }
  }
  if (e.INGEST_THREAT_INTEL) {
    try {
      loadThreatIntelFiles(threatIntelFilesOf(e));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (e.INGEST_GEO && e.INGEST_GEO_MMDB && !(existsSync(e.INGEST_GEO_MMDB) && statSync(e.INGEST_GEO_MMDB).isFile())) {
    problems.push(`INGEST_GEO_MMDB: ${e.INGEST_GEO_MMDB} is not a readable file`);
  }
  for (const v of ['INGEST_ASN_IPV4_CSV', 'INGEST_ASN_IPV6_CSV'] as const) {
    const f = e[v];
    if (e.INGEST_GEO && e.INGEST_ASN && f && !(existsSync(f) && statSync(f).isFile())) problems.push(`${v}: ${f} is not a readable file`);
  }
  return problems;
}

function threatIntelFilesOf(e: PipelineEnv): ThreatIntelFiles {
  return { torExits: e.INGEST_TOR_EXIT_LISTS, torRelays: e.INGEST_TOR_RELAY_LISTS, miningPools: e.INGEST_MINING_POOL_LISTS, custom: e.INGEST_THREAT_LISTS };
}

/**
 * The pipeline part of the ingest config. `s3Endpoint` is the S3 endpoint the
 * delivery path also uses (one S3_ENDPOINT per deployment).
 */
export function toPipelineConfig(e: PipelineEnv, s3Endpoint?: string): PipelineConfig {
  const region = e.AWS_REGION ?? 'us-east-1';
  const parquetCommon = { retentionDays: e.FLOWS_RETENTION_DAYS, maxFileAgeMs: e.FLOWS_MAX_FILE_AGE_MS, region };
  const parquet: StorageConfig['parquet'] = !e.FLOWS_PARQUET
    ? undefined
    : e.FLOWS_S3_BUCKET
      ? { kind: 's3', bucket: e.FLOWS_S3_BUCKET, prefix: e.FLOWS_S3_PREFIX, s3Region: region, ...(s3Endpoint ? { endpoint: s3Endpoint } : {}), ...parquetCommon }
      : { kind: 'local', dir: resolve(e.FLOWS_DIR ?? `${e.FLOWGUARD_DATA_DIR ?? '.flowguard/data'}/flows`), ...parquetCommon };
  return {
    filter: {
      enabled: e.INGEST_FILTER,
      ...(e.INGEST_ALLOW_LIST_FILE ? { allowListFile: resolve(e.INGEST_ALLOW_LIST_FILE) } : {}),
      healthCheckMode: e.INGEST_HEALTH_CHECK_MODE,
      lbCidrs: e.INGEST_LB_CIDRS,
      lbEnis: e.INGEST_LB_ENIS,
      healthCheckPorts: e.INGEST_HEALTH_CHECK_PORTS,
      storageSampleRate: e.INGEST_STORAGE_SAMPLE_RATE,
      ipRanges: e.INGEST_IP_RANGES === 'bundled' || isUrl(e.INGEST_IP_RANGES) ? e.INGEST_IP_RANGES : resolve(e.INGEST_IP_RANGES),
      ipRangesRefreshMs: e.INGEST_IP_RANGES_REFRESH_MS,
      reloadMs: e.INGEST_RELOAD_MS,
    },
    ...(e.INGEST_THREAT_INTEL ? { threatIntel: threatIntelFilesOf(e) } : {}),
    enrichment: {
      geo: e.INGEST_GEO,
      ...(e.INGEST_GEO_MMDB ? { geoMmdb: resolve(e.INGEST_GEO_MMDB) } : {}),
      // the peer's network, like its country: part of the geo enrichment (INGEST_GEO=false turns both off)
      asn: e.INGEST_GEO && e.INGEST_ASN
        ? { ...(e.INGEST_ASN_IPV4_CSV ? { ipv4: resolve(e.INGEST_ASN_IPV4_CSV) } : {}), ...(e.INGEST_ASN_IPV6_CSV ? { ipv6: resolve(e.INGEST_ASN_IPV6_CSV) } : {}) }
        : false,
      ...(e.INGEST_ENI_METADATA ? { eniMetadata: { region, ...(e.EC2_ENDPOINT ? { endpoint: e.EC2_ENDPOINT } : {}) } } : {}),
      ...(e.INGEST_REVERSE_DNS ? { reverseDns: { servers: e.INGEST_DNS_SERVERS, perSecond: e.INGEST_DNS_PER_SECOND, timeoutMs: e.INGEST_DNS_TIMEOUT_MS } } : {}),
    },
    storage: {
      ...(parquet ? { parquet } : {}),
      ...(e.FLOWS_OPENSEARCH_URL ? {
        opensearch: {
          url: e.FLOWS_OPENSEARCH_URL, prefix: e.FLOWS_OPENSEARCH_PREFIX, replicas: e.FLOWS_OPENSEARCH_REPLICAS, retentionDays: e.FLOWS_OPENSEARCH_RETENTION_DAYS,
          ...(e.FLOWS_OPENSEARCH_USERNAME && e.FLOWS_OPENSEARCH_PASSWORD ? { auth: { username: e.FLOWS_OPENSEARCH_USERNAME, password: e.FLOWS_OPENSEARCH_PASSWORD } } : {}),
          ...(e.FLOWS_OPENSEARCH_AWS_SIGV4 ? { sigv4: { region: e.AWS_REGION ?? 'us-east-1', service: e.FLOWS_OPENSEARCH_AWS_SIGV4 } } : {}),
        },
      } : {}),
    },
  };
}
