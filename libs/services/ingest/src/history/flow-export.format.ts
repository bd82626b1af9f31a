/**
 * Rows of the flow export (`GET /v1/flows/export`): the raw records behind an
 * alert, for a spreadsheet (CSV), a script (JSON Lines) or another tool
 * (flow-log text with its header line, which `flowguard analyze` and the
 * ingest endpoints read back). Pure: records in, text out.
 */
import { batchFromRecords, type FlowRecord } from '@flowguard/contracts';
import { compileFormat, formatFlowLogRow, formatHeaderLine } from '@flowguard/flowlog';

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
const LOG_FORMAT = compileFormat(FLOW_FIELDS.map((f) => '${' + f + '}').join(' '));

export const EXPORT_CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  log: 'text/plain; charset=utf-8',
};

/** The first line(s) of an export: column names for CSV and flow-log text, nothing for JSON Lines. */
export function exportHeader(format: ExportFormat): string {
  if (format === 'jsonl') return '';
  if (format === 'log') return `${formatHeaderLine(LOG_FORMAT)}\n`;
  return `${[...FLOW_FIELDS, ...ENRICHMENT, 'marks'].join(',')}\n`;
}

/** `records` as lines of `format`, each ending in a newline. */
export function exportLines(records: readonly FlowRecord[], format: ExportFormat): string {
  if (records.length === 0) return '';
  if (format === 'jsonl') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  let out = '';
  if (format === 'log') {
    const batch = batchFromRecords([...records]);
    for (let i = 0; i < batch.length; i++) out += `${formatFlowLogRow(batch, i, LOG_FORMAT)}\n`;
    return out;
  }
  for (const r of records) {
    const cells = FLOW_FIELDS.map((f) => csvCell(cellOf(r, f)));
    for (const f of ENRICHMENT) cells.push(csvCell(r.fields?.[f] ?? ''));
    cells.push(String(r.marks ?? 0));
    out += `${cells.join(',')}\n`;
  }
  return out;
}

/** A record's value of flow-log field `name` as text; '' when absent. */
function cellOf(r: FlowRecord, name: string): string {
  const core = CORE[name];
  if (!core) return r.fields?.[name] ?? '';
  const v = r[core];
  return v === undefined || v === -1 ? '' : String(v);
}

const CORE: Record<string, keyof FlowRecord> = {
  version: 'version', 'account-id': 'accountId', 'interface-id': 'interfaceId', srcaddr: 'srcAddr', dstaddr: 'dstAddr',
  srcport: 'srcPort', dstport: 'dstPort', protocol: 'protocol', packets: 'packets', bytes: 'bytes', start: 'start', end: 'end',
  action: 'action', 'log-status': 'logStatus', 'tcp-flags': 'tcpFlags', 'flow-direction': 'flowDirection', 'traffic-path': 'trafficPath',
};

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
