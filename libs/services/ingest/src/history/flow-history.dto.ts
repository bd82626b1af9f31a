import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * Query of `GET /v1/flows/history`. This class fixes the shape: the known
 * parameters only (others are a 400 naming them), each a single string of
 * bounded length. What the values mean — a real address or CIDR, a port, `from`
 * and `to` as Unix seconds or ISO 8601 with `to` after `from` and at most 90
 * days apart, a cursor of the same query — is checked by flow-storage's
 * validateFlowQuery, which reports every problem at once as `issues`
 * (`[{ field, message }]`), so there is one source of truth for the rules.
 */
/** The filters shared by the history page and the export. */
export class FlowFilterQuery {
  /** an IPv4 or IPv6 address on either side (srcaddr, dstaddr, pkt-srcaddr, pkt-dstaddr) */
  @IsOptional() @IsString() @MaxLength(64)
  ip?: string;

  /** a CIDR on either side, e.g. 10.0.0.0/16 (exclusive with ip) */
  @IsOptional() @IsString() @MaxLength(64)
  cidr?: string;

  /** source or destination port, 0..65535 */
  @IsOptional() @IsString() @MaxLength(8)
  port?: string;

  /** interface-id, e.g. eni-0123456789abcdef0 */
  @IsOptional() @IsString() @MaxLength(64)
  eni?: string;

  /** ACCEPT or REJECT (any case) */
  @IsOptional() @IsString() @MaxLength(8)
  action?: string;

  /** required: record start ≥ from; Unix seconds or ISO 8601 */
  @IsOptional() @IsString() @MaxLength(40)
  from?: string;

  /** required: record start < to; Unix seconds or ISO 8601 */
  @IsOptional() @IsString() @MaxLength(40)
  to?: string;
}

export class FlowHistoryQuery extends FlowFilterQuery {
  /** 1..1000, default 100 */
  @IsOptional() @IsString() @MaxLength(8)
  limit?: string;

  /** from the previous page's answer */
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

/** Query of `GET /v1/flows/export`: the history's filters, a format and a row cap (no paging: it streams every page). */
export class FlowExportQuery extends FlowFilterQuery {
  /** csv (default), jsonl (one FlowRecord per line) or log (flow-log text with a header line: `flowguard analyze` reads it) */
  @IsOptional() @IsIn(['csv', 'jsonl', 'log'], { message: 'format must be csv, jsonl or log' })
  format?: 'csv' | 'jsonl' | 'log';

  /** most rows to write, 1..1,000,000 (default 100,000) */
  @IsOptional() @Matches(/^[1-9]\d{0,6}$/, { message: 'max must be an integer from 1 to 1000000' })
  max?: string;
}
