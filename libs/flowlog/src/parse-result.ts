import type { FlowBatch } from '@flowguard/contracts';

/** Why a line (or a Parquet row, or a whole input) was rejected. */
export type ParseErrorReason =
  /** more or fewer fields than the format has */
  | 'field_count'
  /** two consecutive spaces: an empty value where `-` was expected */
  | 'empty_field'
  /** not a decimal integer (letters, signs, decimals) */
  | 'bad_number'
  /** an integer outside the field's range (ports 0..65535, protocol 0..255, counters up to 2^53-1) */
  | 'number_range'
  /** srcaddr/dstaddr/pkt-*addr that is neither IPv4 nor IPv6 */
  | 'bad_address'
  /** text that is not valid UTF-8 */
  | 'bad_encoding'
  /** action / log-status / flow-direction outside its value set */
  | 'bad_enum'
  /** a header line whose fields differ from the configured format (the header wins) */
  | 'header_mismatch'
  | 'empty_line'
  | 'line_too_long'
  /** a format string or header that cannot be compiled */
  | 'bad_format'
  /** a Parquet value of the wrong physical type (e.g. a string in an INT_32 column) */
  | 'bad_type'
  /** a file or stream that could not be read or decompressed */
  | 'io_error'
  /** a Parquet file whose structure hyparquet rejects */
  | 'bad_parquet';

export interface ParseError {
  /** 1-based line (text) or row (Parquet) number within the source */
  line: number;
  /** hyphenated field name, null when the error is about the whole line */
  field: string | null;
  reason: ParseErrorReason;
  message: string;
  /** the offending line, truncated to {@link MAX_RAW_CHARS} characters */
  raw: string;
  source?: string;
}

export interface ParseCounts {
  /** lines (or Parquet rows) consumed, including header and bad lines */
  lines: number;
  /** rows appended to the batch, NODATA/SKIPDATA rows included */
  records: number;
  /** of `records`, rows with log-status NODATA */
  nodata: number;
  /** of `records`, rows with log-status SKIPDATA */
  skipdata: number;
  /** header lines recognised and used as the format */
  headers: number;
  /** rejected lines by reason; lines = records + headers + sum(errors) */
  errors: Record<string, number>;
}

export interface ParseResult {
  batch: FlowBatch;
  errors: ParseError[];
  /** counts for the lines behind this result only (streaming results are deltas) */
  counts: ParseCounts;
  source?: string;
}

export const MAX_RAW_CHARS = 512;

export function emptyCounts(): ParseCounts {
  return { lines: 0, records: 0, nodata: 0, skipdata: 0, headers: 0, errors: {} };
}

export function addCounts(into: ParseCounts, from: ParseCounts): ParseCounts {
  into.lines += from.lines;
  into.records += from.records;
  into.nodata += from.nodata;
  into.skipdata += from.skipdata;
  into.headers += from.headers;
  for (const [k, v] of Object.entries(from.errors)) into.errors[k] = (into.errors[k] ?? 0) + v;
  return into;
}

export function errorTotal(counts: ParseCounts): number {
  let n = 0;
  for (const v of Object.values(counts.errors)) n += v;
  return n;
}
