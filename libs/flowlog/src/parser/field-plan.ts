/**
 * The per-field plan the text parser runs: a compiled format flattened into
 * typed arrays, so the hot loop switches on small integers.
 */
import { ABSENT, Action, Direction, FlowBatch, LogStatus } from '@flowguard/contracts';
import { FieldKind } from '../fields/field-registry';
import type { CompiledFormat } from '../format/flow-log-format';

/** Hot-loop operation per field. */
export const Op = {
  INT: 0,
  TEXT: 1,
  ADDR: 2,
  ACTION: 3,
  LOG_STATUS: 4,
  DIRECTION: 5,
  TEXT_INT: 6,
} as const;

/** Target of an integer field. */
export const IntTarget = {
  VERSION: 0,
  SRC_PORT: 1,
  DST_PORT: 2,
  PROTOCOL: 3,
  PACKETS: 4,
  BYTES: 5,
  START: 6,
  END: 7,
  TCP_FLAGS: 8,
  TRAFFIC_PATH: 9,
} as const;

const INT_TARGETS: Record<string, number> = {
  version: IntTarget.VERSION,
  srcPort: IntTarget.SRC_PORT,
  dstPort: IntTarget.DST_PORT,
  protocol: IntTarget.PROTOCOL,
  packets: IntTarget.PACKETS,
  bytes: IntTarget.BYTES,
  start: IntTarget.START,
  end: IntTarget.END,
  tcpFlags: IntTarget.TCP_FLAGS,
  trafficPath: IntTarget.TRAFFIC_PATH,
};

export interface FieldPlan {
  readonly format: CompiledFormat;
  readonly count: number;
  readonly ops: Uint8Array;
  /** IntTarget for INT ops */
  readonly targets: Uint8Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** for TEXT/ADDR ops: core column name or null (then `batch.text` by field name) */
  readonly coreText: ReadonlyArray<'srcAddr' | 'dstAddr' | 'accountId' | 'interfaceId' | null>;
  /** numeric / core columns the format does not fill, with their absent value */
  readonly fills: ReadonlyArray<readonly [column: string, value: number]>;
}

/** Absent value per numeric column, matching {@link FlowBatch} docs and `appendRecord`. */
const ABSENT_VALUE: Record<string, number> = {
  srcPort: ABSENT,
  dstPort: ABSENT,
  protocol: ABSENT,
  packets: ABSENT,
  bytes: ABSENT,
  start: 0,
  end: 0,
  action: Action.NONE,
  // a format without log-status carries flows only (NODATA rows need the field to exist)
  logStatus: LogStatus.OK,
  tcpFlags: ABSENT,
  direction: Direction.NONE,
  trafficPath: ABSENT,
  srcAddr: 0,
  dstAddr: 0,
  accountId: 0,
  interfaceId: 0,
};

export function buildPlan(format: CompiledFormat): FieldPlan {
  const n = format.fields.length;
  const ops = new Uint8Array(n);
  const targets = new Uint8Array(n);
  const min = new Float64Array(n);
  const max = new Float64Array(n);
  const coreText: Array<'srcAddr' | 'dstAddr' | 'accountId' | 'interfaceId' | null> = [];
  const filled = new Set<string>();
  format.fields.forEach((f, k) => {
    min[k] = f.min ?? 0;
    max[k] = f.max ?? 0;
    coreText.push(null);
    switch (f.kind) {
      case FieldKind.INT:
        ops[k] = Op.INT;
        targets[k] = INT_TARGETS[f.column as string] as number;
        filled.add(f.column as string);
        break;
      case FieldKind.CORE_TEXT:
      case FieldKind.CORE_ADDR:
        ops[k] = f.kind === FieldKind.CORE_ADDR ? Op.ADDR : Op.TEXT;
        coreText[k] = f.column as 'srcAddr';
        filled.add(f.column as string);
        break;
      case FieldKind.ACTION:
        ops[k] = Op.ACTION;
        filled.add('action');
        break;
      case FieldKind.LOG_STATUS:
        ops[k] = Op.LOG_STATUS;
        filled.add('logStatus');
        break;
      case FieldKind.DIRECTION:
        ops[k] = Op.DIRECTION;
        filled.add('direction');
        break;
      case FieldKind.TEXT_ADDR:
        ops[k] = Op.ADDR;
        break;
      case FieldKind.TEXT_INT:
        ops[k] = Op.TEXT_INT;
        break;
      default:
        ops[k] = Op.TEXT;
    }
  });
  const fills: Array<[string, number]> = [];
  // version absent from a custom format: AWS defines it as the highest field version
  if (!filled.has('version')) fills.push(['version', format.version]);
  for (const [col, v] of Object.entries(ABSENT_VALUE)) if (!filled.has(col)) fills.push([col, v]);
  return { format, count: n, ops, targets, min, max, coreText, fills };
}

/** Fill the columns a plan does not write for rows [from, to). */
export function fillUnplanned(plan: FieldPlan, batch: FlowBatch, from: number, to: number): void {
  if (to <= from) return;
  const cols = batch as unknown as Record<string, { fill(v: number, s: number, e: number): unknown }>;
  for (const [col, v] of plan.fills) cols[col]?.fill(v, from, to);
}

/** The text column (core or extra) each TEXT/ADDR/TEXT_INT field writes, per field index. */
export function textColumns(plan: FieldPlan, batch: FlowBatch): Array<Uint32Array | null> {
  return plan.format.fields.map((f, k) => {
    const op = plan.ops[k];
    if (op !== Op.TEXT && op !== Op.ADDR && op !== Op.TEXT_INT) return null;
    const core = plan.coreText[k];
    return core ? batch[core] : batch.textColumn(f.name);
  });
}
