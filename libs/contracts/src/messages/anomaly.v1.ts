import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';
import { EvidenceRefV1, MITRE_ID, SEVERITIES, SignalV1, type Severity } from './common';

export class AnomalyContextV1 {
  @IsOptional() @IsString() @MaxLength(32) accountId?: string;
  @IsOptional() @IsString() @MaxLength(32) region?: string;
  @IsOptional() @IsString() @MaxLength(64) vpcId?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) interfaceIds?: string[];
  @IsOptional() @IsString() @MaxLength(64) instanceId?: string;
  @IsOptional() @IsString() @MaxLength(200) actorGeo?: string;
}

/**
 * A detector finding after aggregation: one per (detector, entity, window),
 * updated while the event goes on. Carries explanation and evidence references,
 * never raw logs (FR2.7).
 */
export class AnomalyV1 {
  /** stable id: the same (detector, entity, episode) always maps to the same id */
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,128}$/) anomalyId!: string;
  @IsString() @Matches(/^[a-z0-9-]{2,48}$/) detector!: string;
  @IsIn(SEVERITIES) severity!: Severity;
  @IsNumber() @Min(0) @Max(1) confidence!: number;
  @IsNumber() score!: number;
  /** the entity that acted (source IP), or null when the finding is about a target only */
  @IsOptional() @IsString() @MaxLength(64) actor!: string | null;
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) targets!: string[];
  @IsArray() @ArrayMaxSize(2000) @IsInt({ each: true }) ports!: number[];
  @IsOptional() @IsInt() protocol?: number;
  /** Unix seconds */
  @IsInt() firstSeen!: number;
  @IsInt() lastSeen!: number;
  @IsArray() @ArrayMaxSize(10) @Matches(MITRE_ID, { each: true }) mitre!: string[];
  @IsString() @MaxLength(1000) summary!: string;
  @IsArray() @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => SignalV1) signals!: SignalV1[];
  @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => EvidenceRefV1) evidence!: EvidenceRefV1[];
  @IsOptional() @ValidateNested() @Type(() => AnomalyContextV1) context?: AnomalyContextV1;
  /** how many times this anomaly was updated by later windows */
  @IsInt() @Min(1) occurrences!: number;
  @IsIn(['open', 'suppressed']) status!: 'open' | 'suppressed';
  @IsOptional() @IsString() @MaxLength(128) suppressedBy?: string;
  /** epoch ms of the last update */
  @IsInt() updatedAt!: number;
}
