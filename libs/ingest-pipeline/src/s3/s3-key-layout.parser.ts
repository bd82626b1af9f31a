/**
 * VPC flow-log object keys in S3 (awsdocs flow-logs-s3.md):
 *   prefix/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]file
 *   prefix/AWSLogs/aws-account-id={a}/aws-service=vpcflowlogs/aws-region={r}/year=…/month=…/day=…/[hour=…/]file
 * organisation trails may add `{org-id}/` after AWSLogs/ (turbot's layout; unverified, accepted).
 * File: {account}_vpcflowlogs_{region}_{flow-log-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz (or .log.parquet).
 */
export type FlowLogObjectFormat = 'gzip-text' | 'text' | 'parquet';

export interface FlowLogKey {
  readonly key: string;
  readonly prefix: string;
  readonly layout: 'plain' | 'hive';
  readonly orgId?: string;
  readonly account: string;
  readonly region: string;
  /** YYYY-MM-DD of the partition */
  readonly date: string;
  /** HH when the flow log uses hourly partitions */
  readonly hour?: string;
  readonly flowLogId?: string;
  /** start of the file's 5-minute window, epoch seconds, from the file name */
  readonly windowStart?: number;
  readonly format: FlowLogObjectFormat;
}

const ORG = '(?:(o-[a-z0-9]{10,32})/)?';
const PLAIN = new RegExp(`^(.*?)AWSLogs/${ORG}(\\d{12})/vpcflowlogs/([a-z0-9-]+)/(\\d{4})/(\\d{2})/(\\d{2})/(?:(\\d{2})/)?([^/]+)$`);
const HIVE = new RegExp(`^(.*?)AWSLogs/${ORG}aws-account-id=(\\d{12})/aws-service=vpcflowlogs/aws-region=([a-z0-9-]+)/year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/(?:hour=(\\d{2})/)?([^/]+)$`);
const FILE = /^(\d{12})_vpcflowlogs_([a-z0-9-]+)_(fl-[0-9a-zA-Z]+)_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[0-9a-zA-Z]+\.log(?:\.gz|\.parquet)?$/;

function formatOf(file: string): FlowLogObjectFormat | undefined {
  if (file.endsWith('.parquet')) return 'parquet';
  if (file.endsWith('.gz')) return 'gzip-text';
  if (file.endsWith('.log') || file.endsWith('.txt')) return 'text';
  return undefined;
}

const validDate = (y: string, m: string, d: string, h?: string) => {
  const mm = Number(m), dd = Number(d);
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31 && (h === undefined || Number(h) <= 23) && Number(y) >= 2015;
};

/** The layout facts of a key, or undefined when the key is not a flow-log object. */
export function parseFlowLogKey(key: string): FlowLogKey | undefined {
  const hive = HIVE.exec(key);
  const m = hive ?? PLAIN.exec(key);
  if (!m) return undefined;
  const [, prefix, org, account, region, y, mo, d, h, file] = m as unknown as [string, string, string | undefined, string, string, string, string, string, string | undefined, string];
  if (!validDate(y, mo, d, h)) return undefined;
  const format = formatOf(file);
  if (!format) return undefined;
  const f = FILE.exec(file);
  let flowLogId: string | undefined;
  let windowStart: number | undefined;
  if (f) {
    // a file name that names another account or region than its folder is not trusted for either
    if (f[1] !== account || f[2] !== region) return undefined;
    flowLogId = f[3];
    windowStart = Date.UTC(Number(f[4]), Number(f[5]) - 1, Number(f[6]), Number(f[7]), Number(f[8])) / 1000;
  }
  return {
    key, prefix, layout: hive ? 'hive' : 'plain', account, region, date: `${y}-${mo}-${d}`, format,
    ...(org ? { orgId: org } : {}), ...(h ? { hour: h } : {}),
    ...(flowLogId ? { flowLogId } : {}), ...(windowStart !== undefined ? { windowStart } : {}),
  };
}
