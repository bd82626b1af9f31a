import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { MITRE_ID, SEVERITIES, type Severity } from './common';

/** A flat finding for SIEM taps (Splunk, Elastic, Sentinel read this topic directly). */
export class FindingV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,160}$/) findingId!: string;
  @IsIn(['anomaly', 'incident']) kind!: 'anomaly' | 'incident';
  @IsString() @MaxLength(160) ref!: string;
  @IsIn(SEVERITIES) severity!: Severity;
  @IsString() @MaxLength(300) title!: string;
  @IsString() @MaxLength(48) detector!: string;
  @IsOptional() @IsString() @MaxLength(64) actor?: string | null;
  @IsArray() @ArrayMaxSize(200) @IsString({ each: true }) targets!: string[];
  @IsArray() @ArrayMaxSize(10) @Matches(MITRE_ID, { each: true }) mitre!: string[];
  /** epoch ms */
  @IsInt() time!: number;
}
