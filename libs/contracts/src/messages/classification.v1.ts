import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { AnomalyV1 } from './anomaly.v1';
import { MITRE_ID, SEVERITIES, TokenUsageV1, type Severity } from './common';

export const VERDICTS = ['true_positive', 'false_positive', 'benign_true_positive', 'needs_review'] as const;
export type Verdict = (typeof VERDICTS)[number];

export class MitreTechniqueV1 {
  @Matches(MITRE_ID) id!: string;
  @IsString() @MaxLength(120) name!: string;
  @IsString() @MaxLength(60) tactic!: string;
}

/** The threat classifier's decision about one anomaly (FR3.1). */
export class ThreatClassificationV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,160}$/) classificationId!: string;
  @IsIn(SEVERITIES) severity!: Severity;
  @IsNumber() @Min(0) @Max(1) confidence!: number;
  @IsIn(VERDICTS) verdict!: Verdict;
  @IsArray() @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => MitreTechniqueV1) mitre!: MitreTechniqueV1[];
  @IsString() @MaxLength(4000) reasoning!: string;
  @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(500, { each: true }) recommendedActions!: string[];
  @IsIn(['offline', 'bedrock']) provider!: 'offline' | 'bedrock';
  @IsString() @MaxLength(120) model!: string;
  @ValidateNested() @Type(() => TokenUsageV1) tokens!: TokenUsageV1;
  @IsNumber() @Min(0) costUsd!: number;
  /** epoch ms */
  @IsNumber() classifiedAt!: number;
  /** the anomaly as classified, so downstream consumers need no lookup */
  @ValidateNested() @Type(() => AnomalyV1) anomaly!: AnomalyV1;
  @IsOptional() @IsString() @MaxLength(200) note?: string;
}
