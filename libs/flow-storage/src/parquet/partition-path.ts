/**
 * Hive-style partition paths for stored flows:
 * `account=<id>/region=<r>/date=YYYY-MM-DD/hour=HH/` (UTC, from each row's start).
 * Athena (partition projection or MSCK), DuckDB (`hive_partitioning`) and our
 * own reader prune on these directory names.
 */

export interface PartitionKey {
  readonly account: string;
  readonly region: string;
  /** YYYY-MM-DD (UTC) */
  readonly date: string;
  /** 00..23 (UTC) */
  readonly hour: string;
}

/** Value used when a row has no account id (AWS itself writes `unknown` for service ENIs). */
export const UNKNOWN_ACCOUNT = 'unknown';

const SAFE = /^[A-Za-z0-9_.-]+$/;

/**
 * Make an account/region value safe as one path segment: characters outside
 * [A-Za-z0-9_.-] are percent-encoded (Hive's escaping), and values that are
 * empty or only dots (path traversal) are encoded whole.
 */
export function encodePartitionValue(value: string): string {
  if (value.length > 0 && SAFE.test(value) && !/^\.+$/.test(value)) return value;
  if (value.length === 0) return '%00';
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && /[A-Za-z0-9_-]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodePartitionValue(segment: string): string {
  if (segment === '%00') return '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** UTC date and hour of a Unix-seconds timestamp. */
export function utcHourOf(epochSeconds: number): { date: string; hour: string; hourStart: number } {
  const hourStart = Math.floor(epochSeconds / 3600) * 3600;
  const d = new Date(hourStart * 1000);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return { date, hour: pad2(d.getUTCHours()), hourStart };
}

/** `account=…/region=…/date=…/hour=…/` (with the trailing slash). */
export function partitionPrefix(key: PartitionKey): string {
  return `account=${encodePartitionValue(key.account)}/region=${encodePartitionValue(key.region)}/date=${key.date}/hour=${key.hour}/`;
}

const PATH_RE = /(?:^|\/)account=([^/]+)\/region=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//;

/** The partition of a file path or object key, or undefined when it is not in the layout. */
export function parsePartitionPath(path: string): PartitionKey | undefined {
  const m = PATH_RE.exec(path);
  if (!m) return undefined;
  const hour = Number(m[4]);
  if (hour > 23 || !isValidDate(m[3] as string)) return undefined;
  return { account: decodePartitionValue(m[1] as string), region: decodePartitionValue(m[2] as string), date: m[3] as string, hour: m[4] as string };
}

/** Unix seconds of the first instant of a partition's hour. */
export function partitionHourStart(key: Pick<PartitionKey, 'date' | 'hour'>): number {
  return Date.parse(`${key.date}T${key.hour}:00:00Z`) / 1000;
}

export function isValidDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

/** The `date=` value (YYYY-MM-DD) a retention of `days` keeps from, given now (Unix ms). */
export function retentionCutoffDate(nowMs: number, days: number): string {
  return new Date(nowMs - days * 86_400_000).toISOString().slice(0, 10);
}
