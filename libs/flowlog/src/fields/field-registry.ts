/**
 * Every VPC flow-log field this parser knows (versions 2–11 plus Transit
 * Gateway v6 fields), with its Parquet type and where its value lands in a
 * {@link FlowBatch}. Source: /work/shared/reference/flow-logs-and-users.md A2.
 *
 * Field names not listed here are still accepted (AWS keeps adding fields):
 * they are stored as text under their own name, see {@link fieldSpec}.
 */

/** How the parser reads and stores one field. */
export const FieldKind = {
  /** integer into a typed numeric column */
  INT: 0,
  /** interned string into a core text column (srcAddr, accountId, ...) */
  CORE_TEXT: 1,
  /** IP address into a core text column, validated */
  CORE_ADDR: 2,
  /** `action` enum */
  ACTION: 3,
  /** `log-status` enum */
  LOG_STATUS: 4,
  /** `flow-direction` enum */
  DIRECTION: 5,
  /** interned string into `batch.text` by field name */
  TEXT: 6,
  /** IP address into `batch.text`, validated */
  TEXT_ADDR: 7,
  /** integer validated for range, kept as text in `batch.text` (no typed column exists) */
  TEXT_INT: 8,
} as const;
export type FieldKindCode = (typeof FieldKind)[keyof typeof FieldKind];

/** Numeric FlowBatch column a core integer field is written to. */
export type IntColumn = 'version' | 'srcPort' | 'dstPort' | 'protocol' | 'packets' | 'bytes' | 'start' | 'end' | 'tcpFlags' | 'trafficPath';
export type CoreTextTarget = 'srcAddr' | 'dstAddr' | 'accountId' | 'interfaceId';

export type ParquetType = 'INT_32' | 'INT_64' | 'STRING';

export interface FieldSpec {
  /** canonical hyphenated name, as in `${name}` formats and S3 header lines */
  readonly name: string;
  /** flow-log version that introduced the field (0 = unknown field) */
  readonly version: number;
  readonly parquetType: ParquetType;
  readonly kind: FieldKindCode;
  /** typed column for INT / CORE_* / enum kinds */
  readonly column?: IntColumn | CoreTextTarget | 'action' | 'logStatus' | 'direction';
  /** inclusive integer range for INT and TEXT_INT kinds */
  readonly min?: number;
  readonly max?: number;
  /** false when the version number is inferred, not documented (see A2 "Verify") */
  readonly versionVerified?: boolean;
  /** true for fields that are not in the registry (kept as text) */
  readonly unknown?: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53-1: packets/bytes are INT_64 but land in Float64 columns
const U32 = 0xffffffff;

const int = (name: string, version: number, parquetType: ParquetType, column: IntColumn, min: number, max: number): FieldSpec => ({
  name, version, parquetType, kind: FieldKind.INT, column, min, max,
});
const text = (name: string, version: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name, version, parquetType: 'STRING', kind: FieldKind.TEXT, ...extra,
});
const textAddr = (name: string, version: number): FieldSpec => ({ name, version, parquetType: 'STRING', kind: FieldKind.TEXT_ADDR });
const textInt = (name: string, version: number, parquetType: ParquetType, min: number, max: number, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name, version, parquetType, kind: FieldKind.TEXT_INT, min, max, ...extra,
});

const ECS_FIELDS = [
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id', 'ecs-container-id',
  'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
];

/** Transit Gateway flow-log fields (v6); not produced by VPC/ENI flow logs. */
const TGW_TEXT_FIELDS = [
  'resource-type', 'tgw-id', 'tgw-attachment-id', 'tgw-src-vpc-account-id', 'tgw-dst-vpc-account-id', 'tgw-src-vpc-id',
  'tgw-dst-vpc-id', 'tgw-src-subnet-id', 'tgw-dst-subnet-id', 'tgw-src-eni', 'tgw-dst-eni', 'tgw-src-az-id', 'tgw-dst-az-id',
  'tgw-pair-attachment-id',
];
const TGW_COUNTER_FIELDS = ['packets-lost-no-route', 'packets-lost-blackhole', 'packets-lost-mtu-exceeded', 'packets-lost-ttl-expired'];

const V11_TEXT_FIELDS = [
  'instance-tag', 'instance-tag-2', 'interface-tag', 'interface-tag-2', 'asg-tag', 'asg-tag-2', 'interface-type',
  'next-hop-interface-id', 'next-hop-subnet-id', 'next-hop-az-id', 'next-hop-vpc-id', 'next-hop-interface-type',
];

export const FIELD_SPECS: readonly FieldSpec[] = [
  // v2: the default format, in its order
  int('version', 2, 'INT_32', 'version', 0, 255),
  text('account-id', 2, { kind: FieldKind.CORE_TEXT, column: 'accountId' }),
  text('interface-id', 2, { kind: FieldKind.CORE_TEXT, column: 'interfaceId' }),
  { name: 'srcaddr', version: 2, parquetType: 'STRING', kind: FieldKind.CORE_ADDR, column: 'srcAddr' },
  { name: 'dstaddr', version: 2, parquetType: 'STRING', kind: FieldKind.CORE_ADDR, column: 'dstAddr' },
  int('srcport', 2, 'INT_32', 'srcPort', 0, 65535),
  int('dstport', 2, 'INT_32', 'dstPort', 0, 65535),
  int('protocol', 2, 'INT_32', 'protocol', 0, 255),
  int('packets', 2, 'INT_64', 'packets', 0, MAX_SAFE),
  int('bytes', 2, 'INT_64', 'bytes', 0, MAX_SAFE),
  // Unix seconds in Uint32 columns: valid until 2106
  int('start', 2, 'INT_64', 'start', 0, U32),
  int('end', 2, 'INT_64', 'end', 0, U32),
  { name: 'action', version: 2, parquetType: 'STRING', kind: FieldKind.ACTION, column: 'action' },
  { name: 'log-status', version: 2, parquetType: 'STRING', kind: FieldKind.LOG_STATUS, column: 'logStatus' },
  // v3
  text('vpc-id', 3),
  text('subnet-id', 3),
  text('instance-id', 3),
  // a bitmask of the low TCP flag bits; AWS only sets FIN/SYN/RST/SYN-ACK but the byte is the bound
  int('tcp-flags', 3, 'INT_32', 'tcpFlags', 0, 255),
  text('type', 3),
  textAddr('pkt-srcaddr', 3),
  textAddr('pkt-dstaddr', 3),
  // v4
  text('region', 4),
  text('az-id', 4),
  text('sublocation-type', 4),
  text('sublocation-id', 4),
  // v5
  text('pkt-src-aws-service', 5),
  text('pkt-dst-aws-service', 5),
  { name: 'flow-direction', version: 5, parquetType: 'STRING', kind: FieldKind.DIRECTION, column: 'direction' },
  // documented 1..8; the Int8 column bounds it, so future path codes still parse
  int('traffic-path', 5, 'INT_32', 'trafficPath', 0, 127),
  // v6: Transit Gateway
  ...TGW_TEXT_FIELDS.map((n) => text(n, 6)),
  ...TGW_COUNTER_FIELDS.map((n) => textInt(n, 6, 'INT_64', 0, MAX_SAFE)),
  // v7: ECS
  ...ECS_FIELDS.map((n) => text(n, 7)),
  // v8
  text('reject-reason', 8),
  // v9/v10: exact versions not confirmed by the reference (marked "Verify")
  text('resource-id', 9, { versionVerified: false }),
  textInt('encryption-status', 10, 'INT_32', 0, 3, { versionVerified: false }),
  // v11
  ...V11_TEXT_FIELDS.map((n) => text(n, 11)),
];

const BY_NAME = new Map<string, FieldSpec>(FIELD_SPECS.map((f) => [f.name, f]));

/** The spec of a known field, or undefined. */
export function knownField(name: string): FieldSpec | undefined {
  return BY_NAME.get(name);
}

/** The spec of any field name: unknown names become text fields kept under their own name. */
export function fieldSpec(name: string): FieldSpec {
  return BY_NAME.get(name) ?? { name, version: 0, parquetType: 'STRING', kind: FieldKind.TEXT, unknown: true };
}

/** Parquet column names use underscores (`log_status`); formats and headers use hyphens. */
export function fieldNameFromParquetColumn(column: string): string {
  return column.replace(/_/g, '-');
}

export function parquetColumnName(field: string): string {
  return field.replace(/-/g, '_');
}

/** Syntax of a field name in a format or header: lowercase letters, digits and hyphens. */
export function isFieldNameSyntax(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  const c0 = name.charCodeAt(0);
  if (c0 < 97 || c0 > 122) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
  }
  return true;
}
