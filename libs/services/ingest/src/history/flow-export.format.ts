/**
 * Rows of the flow export (`GET /v1/flows/export`): the raw records behind an
 * alert, for a spreadsheet (CSV), a script (JSON Lines) or another tool
 * (flow-log text with its header line, which `flowguard analyze` and the
 * ingest endpoints read back). Pure: records in, text out.
 */
import { batchFromRecords, type FlowRecord } from '@flowguard/contracts';
import { compileFormat, flowLogValues, formatFlowLogRow, formatHeaderLine } from '@flowguard/flowlog';

export type ExportFormat = 'csv' | 'jsonl' | 'log';

/** The AWS fields of versions 2-5 in their documented order, then the enrichment ingest adds. */
const FLOW_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end',
  'action', 'log-status', 'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region', 'az-id',
  'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
];
const ENRICHMENT = [
  'src-country', 'dst-country', 'src-asn', 'dst-asn', 'src-as-org', 'dst-as-org', 'src-threat-list', 'dst-threat-list',
  'eni-instance-id', 'eni-type', 'src-ptr', 'dst-ptr',
];
const formatOf = (fields: string[]) => compileFormat(fields.map((f) => '${' + f + '}').join(' '));
const LOG_FORMAT = formatOf(FLOW_FIELDS);
/** the CSV columns: the flow-log fields, then the enrichment (text fields of the batch under these names) */
const CSV_FORMAT = formatOf([...FLOW_FIELDS, ...ENRICHMENT]);

export const EXPORT_CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  log: 'text/plain; charset=utf-8',
};

/** The first line(s) of an export: column names for CSV and flow-log text, nothing for JSON Lines. */
export function exportHeader(format: ExportFormat): string {
  if (format === 'jsonl') return '';
  if (format === 'log') return `${formatHeaderLine(LOG_FORMAT)}\n`;
  return `${[...CSV_FORMAT.names, 'marks'].join(',')}\n`;
}

/** `records` as lines of `format`, each ending in a newline. */
export function exportLines(records: readonly FlowRecord[], format: ExportFormat): string {
  if (records.length === 0) return '';
  if (format === 'jsonl') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  const batch = batchFromRecords([...records]);
  let out = '';
  for (let i = 0; i < batch.length; i++) {
    if (format === 'log') {
      out += `${formatFlowLogRow(batch, i, LOG_FORMAT)}\n`;
      continue;
    }
    // the flow-log text writes '-' for absent; a spreadsheet wants an empty cell
    const cells = flowLogValues(batch, i, CSV_FORMAT).map((v) => (v === '-' ? '' : csvCell(v)));
    cells.push(String(batch.marks[i]));
    out += `${cells.join(',')}\n`;
  }
  return out;
}

/**
 * One CSV cell (RFC 4180 quoting). A value a spreadsheet would run as a
 * formula (=, +, -, @ first: PTR names and AS names are attacker-influenced
 * text) gets a leading apostrophe, so opening the export runs nothing.
 */
export function csvCell(v: string): string {
  let s = v;
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
