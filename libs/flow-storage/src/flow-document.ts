/**
 * The document form of a stored flow, shared by OpenSearch (the indexed
 * `_source`) and the embedded Parquet history (ordering and cursors): the same
 * underscore names as the Parquet columns, absent values left out, plus a
 * `flow_id` that is a hash of everything else. The id gives both backends one
 * total order (start desc, flow_id desc) for cursors, and makes a retried bulk
 * request idempotent (same record → same `_id`).
 */
import { createHash } from 'node:crypto';
import { ABSENT, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { fieldNameFromParquetColumn, isStorableExtraField, parquetColumnName } from './parquet/flow-parquet.schema';

export type FlowDocument = Record<string, string | number>;

const ACTION_NAMES = ['', 'ACCEPT', 'REJECT'] as const;
const STATUS_NAMES = ['OK', 'NODATA', 'SKIPDATA', ''] as const;
const DIRECTION_NAMES = ['', 'ingress', 'egress'] as const;

/** Document keys that are not extra text fields. */
export const DOCUMENT_CORE_KEYS: ReadonlySet<string> = new Set([
  'version', 'account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log_status', 'tcp_flags', 'flow_direction', 'traffic_path', 'flowguard_marks', 'flow_id',
]);

/**
 * Builds documents in one fixed key order, whether from a batch row or a
 * FlowRecord, so their JSON (and hence flow_id) is identical for the same flow.
 */
class DocBuilder {
  readonly doc: FlowDocument = {};
  str(k: string, v: string | undefined): void {
    if (v) this.doc[k] = v;
  }
  num(k: string, v: number | undefined): void {
    if (v !== undefined) this.doc[k] = v;
  }
}

function finish(b: DocBuilder, extras: [string, string][]): FlowDocument {
  extras.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  for (const [k, v] of extras) b.doc[parquetColumnName(k)] = v;
  b.doc['flow_id'] = hashDocument(b.doc);
  return b.doc;
}

function hashDocument(doc: FlowDocument): string {
  return createHash('sha1').update(JSON.stringify(doc)).digest('base64url').slice(0, 22);
}

const present = (v: number): number | undefined => (v === ABSENT ? undefined : v);

/** Document of batch row `i` (the indexing fast path: no FlowRecord in between). */
export function documentFromRow(batch: FlowBatch, i: number): FlowDocument {
  const s = batch.strings;
  const b = new DocBuilder();
  b.num('version', batch.version[i] as number);
  b.str('account_id', s.get(batch.accountId[i] as number));
  b.str('interface_id', s.get(batch.interfaceId[i] as number));
  b.str('srcaddr', s.get(batch.srcAddr[i] as number));
  b.str('dstaddr', s.get(batch.dstAddr[i] as number));
  b.num('srcport', present(batch.srcPort[i] as number));
  b.num('dstport', present(batch.dstPort[i] as number));
  b.num('protocol', present(batch.protocol[i] as number));
  b.num('packets', present(batch.packets[i] as number));
  b.num('bytes', present(batch.bytes[i] as number));
  b.num('start', (batch.start[i] as number) || undefined);
  b.num('end', (batch.end[i] as number) || undefined);
  b.str('action', ACTION_NAMES[batch.action[i] as number]);
  b.str('log_status', STATUS_NAMES[batch.logStatus[i] as number]);
  b.num('tcp_flags', present(batch.tcpFlags[i] as number));
  b.str('flow_direction', DIRECTION_NAMES[batch.direction[i] as number]);
  b.num('traffic_path', present(batch.trafficPath[i] as number));
  b.num('flowguard_marks', (batch.marks[i] as number) || undefined);
  const extras: [string, string][] = [];
  for (const [field, col] of batch.text) {
    const id = col[i] as number;
    if (id !== 0 && isStorableExtraField(field)) extras.push([field, s.get(id)]);
  }
  return finish(b, extras);
}

/** Document of a FlowRecord (the Parquet history path and tests). */
export function documentFromRecord(r: FlowRecord): FlowDocument {
  const b = new DocBuilder();
  b.num('version', r.version);
  b.str('account_id', r.accountId);
  b.str('interface_id', r.interfaceId);
  b.str('srcaddr', r.srcAddr);
  b.str('dstaddr', r.dstAddr);
  b.num('srcport', r.srcPort);
  b.num('dstport', r.dstPort);
  b.num('protocol', r.protocol);
  b.num('packets', r.packets);
  b.num('bytes', r.bytes);
  b.num('start', r.start);
  b.num('end', r.end);
  b.str('action', r.action);
  b.str('log_status', r.logStatus);
  b.num('tcp_flags', r.tcpFlags);
  b.str('flow_direction', r.flowDirection);
  b.num('traffic_path', r.trafficPath);
  b.num('flowguard_marks', r.marks || undefined);
  const extras = Object.entries(r.fields ?? {}).filter(([k, v]) => v !== '' && v !== '-' && isStorableExtraField(k));
  return finish(b, extras);
}

/** The flow id of a record (equal to `documentFromRow(...).flow_id` for the row it came from). */
export function flowIdOf(r: FlowRecord): string {
  return documentFromRecord(r)['flow_id'] as string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A stored document (OpenSearch `_source`) back as a FlowRecord. */
export function recordFromDocument(doc: Record<string, unknown>): FlowRecord {
  const r: FlowRecord = {};
  const set = <K extends keyof FlowRecord>(k: K, v: FlowRecord[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set('version', num(doc['version']));
  set('accountId', str(doc['account_id']));
  set('interfaceId', str(doc['interface_id']));
  set('srcAddr', str(doc['srcaddr']));
  set('dstAddr', str(doc['dstaddr']));
  set('srcPort', num(doc['srcport']));
  set('dstPort', num(doc['dstport']));
  set('protocol', num(doc['protocol']));
  set('packets', num(doc['packets']));
  set('bytes', num(doc['bytes']));
  set('start', num(doc['start']));
  set('end', num(doc['end']));
  const action = doc['action'];
  if (action === 'ACCEPT' || action === 'REJECT') r.action = action;
  const status = doc['log_status'];
  if (status === 'OK' || status === 'NODATA' || status === 'SKIPDATA') r.logStatus = status;
  set('tcpFlags', num(doc['tcp_flags']));
  const dir = doc['flow_direction'];
  if (dir === 'ingress' || dir === 'egress') r.flowDirection = dir;
  set('trafficPath', num(doc['traffic_path']));
  const marks = num(doc['flowguard_marks']);
  if (marks) r.marks = marks;
  let fields: Record<string, string> | undefined;
  for (const [k, v] of Object.entries(doc)) {
    if (DOCUMENT_CORE_KEYS.has(k)) continue;
    const t = str(v);
    if (t !== undefined) (fields ??= {})[fieldNameFromParquetColumn(k)] = t;
  }
  if (fields) r.fields = fields;
  return r;
}
