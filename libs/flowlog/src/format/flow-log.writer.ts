/**
 * The inverse of the parser: one batch row back to a flow-log text line in a
 * given format. Used by tests (parse ∘ write = identity), by simulators that
 * produce flow logs, and for evidence export. Not a hot path.
 */
import { ABSENT, Action, Direction, FlowBatch, LogStatus } from '@flowguard/contracts';
import { FieldKind } from '../fields/field-registry';
import { CompiledFormat, compileFormat } from './flow-log-format';

const ACTION_TEXT: Record<number, string> = { [Action.NONE]: '-', [Action.ACCEPT]: 'ACCEPT', [Action.REJECT]: 'REJECT' };
const STATUS_TEXT: Record<number, string> = { [LogStatus.OK]: 'OK', [LogStatus.NODATA]: 'NODATA', [LogStatus.SKIPDATA]: 'SKIPDATA', [LogStatus.NONE]: '-' };
const DIRECTION_TEXT: Record<number, string> = { [Direction.NONE]: '-', [Direction.INGRESS]: 'ingress', [Direction.EGRESS]: 'egress' };

/** Header line (S3 style) for a format. */
export function formatHeaderLine(format: CompiledFormat | string): string {
  const f = typeof format === 'string' ? compileFormat(format) : format;
  return f.names.join(' ');
}

/** Row `row` of `batch` as a text line (no newline) in `format`. Absent values are `-`. */
export function formatFlowLogRow(batch: FlowBatch, row: number, format: CompiledFormat | string): string {
  return flowLogValues(batch, row, format).join(' ');
}

/** The values of row `row` of `batch`, one per field of `format`, as text; absent values are `-`. */
export function flowLogValues(batch: FlowBatch, row: number, format: CompiledFormat | string): string[] {
  const f = typeof format === 'string' ? compileFormat(format) : format;
  const s = batch.strings;
  const parts: string[] = [];
  for (const spec of f.fields) {
    switch (spec.kind) {
      case FieldKind.INT: {
        const v = batch.numeric(spec.column as 'srcPort')[row] as number;
        const zeroIsAbsent = spec.column === 'start' || spec.column === 'end' || spec.column === 'version';
        parts.push(v === ABSENT || (zeroIsAbsent && v === 0) ? '-' : String(v));
        break;
      }
      case FieldKind.ACTION:
        parts.push(ACTION_TEXT[batch.action[row] as number] ?? '-');
        break;
      case FieldKind.LOG_STATUS:
        parts.push(STATUS_TEXT[batch.logStatus[row] as number] ?? '-');
        break;
      case FieldKind.DIRECTION:
        parts.push(DIRECTION_TEXT[batch.direction[row] as number] ?? '-');
        break;
      case FieldKind.CORE_TEXT:
      case FieldKind.CORE_ADDR: {
        const id = batch.core(spec.column as 'srcAddr')[row] as number;
        parts.push(id === 0 ? '-' : s.get(id));
        break;
      }
      default: {
        const col = batch.text.get(spec.name);
        const id = col ? (col[row] as number) : 0;
        parts.push(id === 0 ? '-' : s.get(id));
      }
    }
  }
  return parts;
}
