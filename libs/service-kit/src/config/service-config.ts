import { kafkaConfigFromEnv, KafkaConfigError, type KafkaBusConfig } from '@flowguard/kafka';
import { Transform } from 'class-transformer';
import { ArrayMinSize, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ConfigError, loadEnv, toBool, toInt, toList, type CrossCheck } from './env.loader';

export const BUS_KINDS = ['kafka', 'inprocess'] as const;
export const STORE_KINDS = ['dynamodb', 'embedded'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type BusKind = (typeof BUS_KINDS)[number];
export type StoreKind = (typeof STORE_KINDS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The environment every Flowguard service reads. Service-specific variables are
 * in each service's own config class. Documented in docs/services.md.
 */
export class ServiceEnv {
  @IsIn(BUS_KINDS, { message: `must be one of ${BUS_KINDS.join(', ')}` })
  FLOWGUARD_BUS: BusKind = 'kafka';

  /** comma-separated host:port list */
  @IsOptional() @Transform(toList) @ArrayMinSize(1)
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$/, { each: true, message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS?: string[];

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9._-]{1,100}$/, { message: 'must be 1-100 characters of A-Z a-z 0-9 . _ -' })
  KAFKA_CLIENT_ID?: string;

  /** TLS to the brokers (MSK) */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  KAFKA_SSL = false;

  /** prefix of every topic and group name, to share one cluster between environments */
  @IsOptional() @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'may only hold letters, digits, . _ - (at most 64)' })
  KAFKA_NAMESPACE?: string;

  /**
   * Create missing Kafka topics (from the registry) and DynamoDB tables at boot.
   * The platform service does it by default; other services only when asked.
   * Leave off where Terraform owns topics and tables.
   */
  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  FLOWGUARD_PROVISION = false;

  @IsIn(STORE_KINDS, { message: `must be one of ${STORE_KINDS.join(', ')}` })
  FLOWGUARD_STORE: StoreKind = 'dynamodb';

  /** local DynamoDB endpoint; unset means the AWS regional endpoint */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  DYNAMODB_ENDPOINT?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' })
  DYNAMODB_TABLE_PREFIX?: string;

  @IsOptional() @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must look like an AWS region, e.g. eu-west-1' })
  AWS_REGION?: string;

  /** directory of the embedded store's files; unset keeps the embedded store in memory */
  @IsOptional() @IsString() @MinLength(1)
  FLOWGUARD_DATA_DIR?: string;

  @Transform(toInt) @IsInt({ message: 'must be an integer between 0 and 65535' }) @Min(0) @Max(65535)
  PORT = 8080;

  @IsString() @Matches(/^[A-Za-z0-9.:-]+$/, { message: 'must be a host name or address' })
  HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** upper bound of a request body, bytes (flow-log text posts) */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of bytes' }) @Min(1024) @Max(1024 * 1024 * 1024)
  HTTP_MAX_BODY_BYTES = 16 * 1024 * 1024;

  /**
   * Shared bearer token for the HTTP API and the WebSocket. Unset: no
   * authentication (local use only; a warning is logged when listening beyond loopback).
   */
  @IsOptional() @IsString() @MinLength(16, { message: 'must be at least 16 characters' }) @MaxLength(4096)
  FLOWGUARD_API_TOKEN?: string;

  @Transform(toBool) @IsBoolean({ message: 'must be true or false' })
  METRICS_DEFAULT = true;
}

export interface ServiceConfig {
  /** service name used in logs and metrics: ingest, detect, ..., flowguard (all-in-one) */
  readonly service: string;
  readonly bus:
    | { readonly kind: 'inprocess' }
    /** brokers, client id, TLS, SASL, namespace, replication factor: everything but metrics and logger */
    | { readonly kind: 'kafka'; readonly kafka: KafkaBusConfig };
  readonly store:
    | { readonly kind: 'embedded'; readonly dataDir?: string }
    | { readonly kind: 'dynamodb'; readonly region: string; readonly endpoint?: string; readonly tablePrefix?: string };
  readonly http: { readonly port: number; readonly host: string; readonly maxBodyBytes: number; readonly apiToken?: string };
  readonly log: { readonly level: LogLevel };
  readonly metrics: { readonly defaultMetrics: boolean };
  /** create missing topics and tables at boot */
  readonly provision: boolean;
}

const checks: CrossCheck<ServiceEnv>[] = [
  (e) => (e.FLOWGUARD_BUS === 'kafka' && !e.KAFKA_BROKERS?.length ? 'FLOWGUARD_BUS=kafka requires KAFKA_BROKERS (comma-separated host:port list)' : null),
  (e) => (e.FLOWGUARD_STORE === 'dynamodb' && !e.AWS_REGION ? 'FLOWGUARD_STORE=dynamodb requires AWS_REGION' : null),
];

/**
 * Validate the common environment at boot. Throws {@link ConfigError} listing
 * every problem; `defaults` are a deployment's defaults (the all-in-one defaults
 * to the in-process bus and the embedded store), overridden by `env`.
 */
export function loadServiceConfig(service: string, env: Record<string, string | undefined>, defaults: Record<string, string> = {}): ServiceConfig {
  const e = loadEnv(ServiceEnv, env, checks, defaults);
  let kafka: KafkaBusConfig | undefined;
  if (e.FLOWGUARD_BUS === 'kafka') {
    try {
      // the adapter's own reading adds SASL and replication settings (KAFKA_SASL_*, KAFKA_REPLICATION_FACTOR)
      kafka = { ...kafkaConfigFromEnv({ ...defaults, ...env }), brokers: e.KAFKA_BROKERS ?? [], clientId: e.KAFKA_CLIENT_ID ?? `flowguard-${service}`, ssl: e.KAFKA_SSL };
    } catch (err) {
      if (err instanceof KafkaConfigError) throw new ConfigError([err.message]);
      throw err;
    }
  }
  return {
    service,
    bus: kafka ? { kind: 'kafka', kafka } : { kind: 'inprocess' },
    store: e.FLOWGUARD_STORE === 'dynamodb'
      ? { kind: 'dynamodb', region: e.AWS_REGION as string, endpoint: e.DYNAMODB_ENDPOINT, tablePrefix: e.DYNAMODB_TABLE_PREFIX }
      : { kind: 'embedded', dataDir: e.FLOWGUARD_DATA_DIR },
    http: { port: e.PORT, host: e.HOST, maxBodyBytes: e.HTTP_MAX_BODY_BYTES, apiToken: e.FLOWGUARD_API_TOKEN },
    log: { level: e.LOG_LEVEL },
    metrics: { defaultMetrics: e.METRICS_DEFAULT },
    provision: e.FLOWGUARD_PROVISION,
  };
}
