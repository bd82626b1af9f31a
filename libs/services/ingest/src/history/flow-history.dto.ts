import { IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * Query of `GET /v1/flows/history`. This class fixes the shape: the known
 * parameters only (others are a 400 naming them), each a single string of
 * bounded length. What the values mean — a real address or CIDR, a port, `from`
 * and `to` as Unix seconds or ISO 8601 with `to` after `from` and at most 90
 * days apart, a cursor of the same query — is checked by flow-storage's
 * validateFlowQuery, which reports every problem at once as `issues`
 * (`[{ field, message }]`), so there is one source of truth for the rules.
 */
export class FlowHistoryQuery {
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

  /** 1..1000, default 100 */
  @IsOptional() @IsString() @MaxLength(8)
  limit?: string;

  /** from the previous page's answer */
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}
