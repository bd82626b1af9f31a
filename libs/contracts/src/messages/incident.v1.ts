import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ThreatClassificationV1 } from './classification.v1';
import { MITRE_ID, SEVERITIES, type Severity } from './common';

export const INCIDENT_STATES = ['New', 'Investigating', 'Contained', 'Resolved', 'Closed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENT_EVENT_TYPES = ['opened', 'state_changed', 'updated', 'note_added'] as const;
export type IncidentEventType = (typeof INCIDENT_EVENT_TYPES)[number];

/** A lifecycle event of an incident (FR4/FR5.1). The incident itself lives in storage. */
export class IncidentEventV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,160}$/) eventId!: string;
  @IsString() @Matches(/^inc-[A-Za-z0-9._:-]{4,128}$/) incidentId!: string;
  @IsIn(INCIDENT_EVENT_TYPES) type!: IncidentEventType;
  @IsIn(INCIDENT_STATES) state!: IncidentState;
  @IsOptional() @IsIn(INCIDENT_STATES) previousState?: IncidentState;
  @IsIn(SEVERITIES) severity!: Severity;
  @IsString() @MaxLength(300) title!: string;
  @IsString() @MaxLength(4000) summary!: string;
  @IsArray() @ArrayMaxSize(500) @IsString({ each: true }) anomalyIds!: string[];
  @IsOptional() @IsString() @MaxLength(64) actor?: string | null;
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) targets!: string[];
  @IsArray() @ArrayMaxSize(10) @Matches(MITRE_ID, { each: true }) mitre!: string[];
  @IsOptional() @ValidateNested() @Type(() => ThreatClassificationV1) classification?: ThreatClassificationV1;
  @IsOptional() @IsString() @MaxLength(120) by?: string;
  /** epoch ms */
  @IsInt() occurredAt!: number;
}
