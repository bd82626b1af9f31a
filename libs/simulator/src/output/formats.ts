/** The two layouts the simulator writes. Field names are the hyphenated flow-log names. */
export type SimFormat = 'v2' | 'v5';

export const V2_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol',
  'packets', 'bytes', 'start', 'end', 'action', 'log-status',
] as const;

/** AWS's "all fields up to v5" custom format, in the console's order. */
export const V5_FIELDS = [
  ...V2_FIELDS,
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region', 'az-id',
  'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
] as const;

export function fieldsOf(format: SimFormat): readonly string[] {
  return format === 'v5' ? V5_FIELDS : V2_FIELDS;
}

/** The `${field}` format string, as DescribeFlowLogs would return it. */
export function logFormatString(format: SimFormat): string {
  return fieldsOf(format).map((f) => '${' + f + '}').join(' ');
}

/** The S3 text header line (field names separated by single spaces). */
export function headerLine(format: SimFormat): string {
  return fieldsOf(format).join(' ');
}
