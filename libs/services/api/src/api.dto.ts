import { INCIDENT_STATES, SEVERITIES, type IncidentState, type Severity } from '@flowguard/contracts';
import { MAX_PAGE_LIMIT } from '@flowguard/persistence';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

const CURSOR = /^[A-Za-z0-9_=-]{1,2048}$/;
export const CURRENT_STATUSES = ['open', 'suppressed', 'allow-listed'] as const;

/** `GET /v1/incidents` query. */
export class ListIncidentsQuery {
  @IsOptional() @IsIn(INCIDENT_STATES) state?: IncidentState;
  @IsOptional() @IsIn(SEVERITIES) severity?: Severity;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_LIMIT) limit?: number;
  /** opaque cursor from the previous page */
  @IsOptional() @IsString() @Matches(CURSOR, { message: 'cursor is not a cursor this API issued' }) cursor?: string;
}

/** `:id` of `GET /v1/incidents/:id`. */
export class IncidentIdParam {
  @IsString() @Matches(/^inc-[A-Za-z0-9._:-]{4,128}$/, { message: 'id must be an incident id (inc-...)' }) id!: string;
}

/** `GET /v1/anomalies` query. */
export class ListAnomaliesQuery {
  @IsOptional() @Matches(/^[a-z0-9-]{2,48}$/, { message: 'detector must be a detector name' }) detector?: string;
  @IsOptional() @IsString() @MaxLength(64) actor?: string;
  /** epoch seconds: only anomalies last seen at or after this */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) since?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_LIMIT) limit?: number;
  @IsOptional() @IsString() @Matches(CURSOR, { message: 'cursor is not a cursor this API issued' }) cursor?: string;
  /**
   * Only anomalies with this status under the rules in force now (`current.status`); a page
   * may then hold fewer than `limit` items, follow `cursor` for more.
   */
  @IsOptional() @IsIn(CURRENT_STATUSES) current?: (typeof CURRENT_STATUSES)[number];
}

/** `GET /v1/anomalies/:id/suppression-draft` query: who asks, why, and for how long. */
export class SuppressionDraftQuery {
  @IsString() @Matches(/^[A-Za-z0-9 ._@-]{1,120}$/, { message: 'owner must be 1-120 letters, digits, spaces or . _ @ -' }) owner!: string;
  @IsString() @MinLength(3) @MaxLength(500) reason!: string;
  /** days until the rule expires (default 30; rules without an expiry are a trap: they outlive the reason) */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365) days?: number;
}

/** `:id` of `GET /v1/anomalies/:id`. */
export class AnomalyIdParam {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,128}$/, { message: 'id must be an anomaly id' }) id!: string;
}

/** Body of `POST /v1/incidents/:id/transitions`. */
export class TransitionBody {
  @IsIn(INCIDENT_STATES) to!: IncidentState;
  /** who moves it; shown in the timeline */
  @IsString() @Matches(/^[A-Za-z0-9 ._@-]{1,120}$/, { message: 'by must be 1-120 letters, digits, spaces or . _ @ -' }) by!: string;
  /** why; required to reopen a Resolved or Closed incident */
  @IsOptional() @IsString() @MaxLength(1000) reason?: string;
  /** the version you saw: 409 when someone changed the incident since */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) expectedVersion?: number;
}
