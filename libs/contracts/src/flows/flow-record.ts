/**
 * The object view of one flow record: for tests, fixtures, evidence and APIs,
 * never for the hot path (use {@link FlowBatch} there).
 */
import { ABSENT, Action, Direction, FlowBatch, LogStatus } from './flow-batch';

export interface FlowRecord {
  version?: number;
  accountId?: string;
  interfaceId?: string;
  srcAddr?: string;
  dstAddr?: string;
  srcPort?: number;
  dstPort?: number;
  protocol?: number;
  packets?: number;
  bytes?: number;
  start?: number;
  end?: number;
  action?: 'ACCEPT' | 'REJECT';
  logStatus?: 'OK' | 'NODATA' | 'SKIPDATA';
  tcpFlags?: number;
  flowDirection?: 'ingress' | 'egress';
  trafficPath?: number;
  marks?: number;
  /** every other field by its hyphenated flow-log name (vpc-id, pkt-srcaddr, ecs-task-id, ...) */
  fields?: Record<string, string>;
}

const ACTION_NAMES = ['', 'ACCEPT', 'REJECT'] as const;
const STATUS_NAMES = ['OK', 'NODATA', 'SKIPDATA', ''] as const;
const DIRECTION_NAMES = ['', 'ingress', 'egress'] as const;

const numOrAbsent = (v: number | undefined) => (v === undefined ? ABSENT : v);

/** Append one record to a batch (slow path: tests, simulators of small size). */
export function appendRecord(batch: FlowBatch, r: FlowRecord): void {
  batch.reserve(1);
  const i = batch.length++;
  const s = batch.strings;
  batch.version[i] = r.version ?? 2;
  batch.accountId[i] = r.accountId ? s.intern(r.accountId) : 0;
  batch.interfaceId[i] = r.interfaceId ? s.intern(r.interfaceId) : 0;
  batch.srcAddr[i] = r.srcAddr ? s.intern(r.srcAddr) : 0;
  batch.dstAddr[i] = r.dstAddr ? s.intern(r.dstAddr) : 0;
  batch.srcPort[i] = numOrAbsent(r.srcPort);
  batch.dstPort[i] = numOrAbsent(r.dstPort);
  batch.protocol[i] = numOrAbsent(r.protocol);
  batch.packets[i] = numOrAbsent(r.packets);
  batch.bytes[i] = numOrAbsent(r.bytes);
  batch.start[i] = r.start ?? 0;
  batch.end[i] = r.end ?? 0;
  batch.action[i] = r.action === 'ACCEPT' ? Action.ACCEPT : r.action === 'REJECT' ? Action.REJECT : Action.NONE;
  batch.logStatus[i] =
    r.logStatus === 'NODATA' ? LogStatus.NODATA : r.logStatus === 'SKIPDATA' ? LogStatus.SKIPDATA : r.logStatus === 'OK' || r.logStatus === undefined ? LogStatus.OK : LogStatus.NONE;
  batch.tcpFlags[i] = numOrAbsent(r.tcpFlags);
  batch.direction[i] = r.flowDirection === 'ingress' ? Direction.INGRESS : r.flowDirection === 'egress' ? Direction.EGRESS : Direction.NONE;
  batch.trafficPath[i] = numOrAbsent(r.trafficPath);
  batch.marks[i] = r.marks ?? 0;
  if (r.fields) for (const [k, v] of Object.entries(r.fields)) if (v !== '-' && v !== '') batch.textColumn(k)[i] = s.intern(v);
}

export function batchFromRecords(records: FlowRecord[]): FlowBatch {
  const b = new FlowBatch(Math.max(records.length, 1));
  for (const r of records) appendRecord(b, r);
  return b;
}

const present = (v: number) => (v === ABSENT ? undefined : v);

/** Read row `i` of a batch back as an object. Absent values are omitted. */
export function recordAt(batch: FlowBatch, i: number): FlowRecord {
  const s = batch.strings;
  const r: FlowRecord = { version: batch.version[i] as number };
  const str = (id: number) => (id === 0 ? undefined : s.get(id));
  const set = <K extends keyof FlowRecord>(k: K, v: FlowRecord[K] | undefined) => {
    if (v !== undefined && v !== '') r[k] = v;
  };
  set('accountId', str(batch.accountId[i] as number));
  set('interfaceId', str(batch.interfaceId[i] as number));
  set('srcAddr', str(batch.srcAddr[i] as number));
  set('dstAddr', str(batch.dstAddr[i] as number));
  set('srcPort', present(batch.srcPort[i] as number));
  set('dstPort', present(batch.dstPort[i] as number));
  set('protocol', present(batch.protocol[i] as number));
  set('packets', present(batch.packets[i] as number));
  set('bytes', present(batch.bytes[i] as number));
  set('start', (batch.start[i] as number) || undefined);
  set('end', (batch.end[i] as number) || undefined);
  set('action', (ACTION_NAMES[batch.action[i] as number] || undefined) as FlowRecord['action']);
  set('logStatus', (STATUS_NAMES[batch.logStatus[i] as number] || undefined) as FlowRecord['logStatus']);
  set('tcpFlags', present(batch.tcpFlags[i] as number));
  set('flowDirection', (DIRECTION_NAMES[batch.direction[i] as number] || undefined) as FlowRecord['flowDirection']);
  set('trafficPath', present(batch.trafficPath[i] as number));
  if (batch.marks[i]) r.marks = batch.marks[i] as number;
  if (batch.text.size > 0) {
    const fields: Record<string, string> = {};
    for (const [k, col] of batch.text) if (col[i]) fields[k] = s.get(col[i] as number);
    if (Object.keys(fields).length) r.fields = fields;
  }
  return r;
}
