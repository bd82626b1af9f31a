import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** numeric rank for comparisons (escalation, routing) */
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** MITRE ATT&CK technique id, e.g. T1046 or T1110.001 */
export const MITRE_ID = /^T\d{4}(\.\d{3})?$/;

/** One reference to a flow record behind a finding: enough to find it again, never a raw log dump. */
export class EvidenceRefV1 {
  @IsOptional() @IsString() @MaxLength(64) interfaceId?: string;
  @IsString() @MaxLength(64) srcAddr!: string;
  @IsString() @MaxLength(64) dstAddr!: string;
  @IsInt() @Min(-1) srcPort!: number;
  @IsInt() @Min(-1) dstPort!: number;
  @IsInt() @Min(-1) protocol!: number;
  @IsNumber() packets!: number;
  @IsNumber() bytes!: number;
  @IsInt() start!: number;
  @IsInt() end!: number;
  @IsIn(['ACCEPT', 'REJECT', '']) action!: string;
  @IsOptional() @IsInt() tcpFlags?: number;
}

/** A threshold or value that made a detector fire: the explanation of a finding. */
export class SignalV1 {
  @IsString() @MaxLength(64) name!: string;
  @IsNumber() value!: number;
  @IsOptional() @IsNumber() threshold?: number;
  @IsOptional() @IsString() @MaxLength(200) note?: string;
}

export class TokenUsageV1 {
  @IsInt() @Min(0) input!: number;
  @IsInt() @Min(0) output!: number;
}

export const nested = <T>(cls: new () => T) => [ValidateNested(), Type(() => cls)] as const;
