/**
 * The Parquet layout of stored flows: the AWS Parquet flow-log schema
 * (underscore names, INT_32/INT_64/STRING as AWS writes them) so Athena,
 * DuckDB and our own AWS Parquet parser read the files without a mapping,
 * plus `flowguard_marks` (ingest annotation bits) and one STRING column per
 * extra text field of the batch (hyphens → underscores, e.g. vpc-id → vpc_id).
 */
import type { SchemaElement } from 'hyparquet';

export type ParquetColumnKind = 'INT32' | 'INT64' | 'STRING';

export interface CoreParquetColumn {
  /** Parquet column name (AWS spelling) */
  readonly name: string;
  readonly kind: ParquetColumnKind;
}

/**
 * Columns every stored file has, in file order. tcp_flags/flow_direction/
 * traffic_path are written even for v2 sources (all null): a stable core
 * schema keeps one Athena/Glue table definition valid for every file.
 */
export const CORE_PARQUET_COLUMNS: readonly CoreParquetColumn[] = [
  { name: 'version', kind: 'INT32' },
  { name: 'account_id', kind: 'STRING' },
  { name: 'interface_id', kind: 'STRING' },
  { name: 'srcaddr', kind: 'STRING' },
  { name: 'dstaddr', kind: 'STRING' },
  { name: 'srcport', kind: 'INT32' },
  { name: 'dstport', kind: 'INT32' },
  { name: 'protocol', kind: 'INT32' },
  { name: 'packets', kind: 'INT64' },
  { name: 'bytes', kind: 'INT64' },
  { name: 'start', kind: 'INT64' },
  { name: 'end', kind: 'INT64' },
  { name: 'action', kind: 'STRING' },
  { name: 'log_status', kind: 'STRING' },
  { name: 'tcp_flags', kind: 'INT32' },
  { name: 'flow_direction', kind: 'STRING' },
  { name: 'traffic_path', kind: 'INT32' },
  // Not an AWS field: the Mark bits set by ingest (threat-intel hits, sampling...).
  { name: 'flowguard_marks', kind: 'INT64' },
];

const CORE_NAMES = new Set(CORE_PARQUET_COLUMNS.map((c) => c.name));

/** Parquet column name of an extra (hyphenated) flow-log text field. */
export function parquetColumnName(field: string): string {
  return field.replace(/-/g, '_');
}

/**
 * Flow-log field name of an extra Parquet column. AWS field names never contain
 * underscores, so the reverse mapping is unambiguous.
 */
export function fieldNameFromParquetColumn(column: string): string {
  return column.replace(/_/g, '-');
}

export function isCoreParquetColumn(column: string): boolean {
  return CORE_NAMES.has(column);
}

/**
 * Extra text fields that cannot become a column: empty, or colliding with a
 * core column once hyphens become underscores (e.g. a field literally named
 * `account-id` in `batch.text`). Such fields are skipped and counted.
 */
export function isStorableExtraField(field: string): boolean {
  if (field.length === 0 || field.length > 128) return false;
  return !CORE_NAMES.has(parquetColumnName(field));
}

function element(name: string, kind: ParquetColumnKind): SchemaElement {
  if (kind === 'STRING') return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
  return { name, type: kind, repetition_type: 'OPTIONAL' };
}

/** The Parquet schema for a file holding the core columns plus `extraFields` (hyphenated names). */
export function flowParquetSchema(extraFields: readonly string[]): SchemaElement[] {
  const leaves = [
    ...CORE_PARQUET_COLUMNS.map((c) => element(c.name, c.kind)),
    ...extraFields.map((f) => element(parquetColumnName(f), 'STRING')),
  ];
  return [{ name: 'schema', num_children: leaves.length }, ...leaves];
}
