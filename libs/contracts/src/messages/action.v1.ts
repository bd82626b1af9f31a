import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const ACTION_KINDS = ['block_ip', 'isolate_instance', 'revoke_sg_rule', 'snapshot_volume', 'disable_access_key', 'open_ticket', 'notify'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export const ACTION_STAGES = ['requested', 'approved', 'rejected', 'executed', 'failed'] as const;
export type ActionStage = (typeof ACTION_STAGES)[number];

/** A response action moving through request → approval → execution (FR3.3). Destructive ones need a human approval. */
export class ResponseActionV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,160}$/) actionId!: string;
  @IsString() @Matches(/^inc-[A-Za-z0-9._:-]{4,128}$/) incidentId!: string;
  @IsIn(ACTION_KINDS) kind!: ActionKind;
  @IsIn(ACTION_STAGES) stage!: ActionStage;
  @IsBoolean() destructive!: boolean;
  @IsString() @MaxLength(200) target!: string;
  @IsString() @MaxLength(1000) reason!: string;
  @IsString() @MaxLength(120) requestedBy!: string;
  @IsOptional() @IsString() @MaxLength(120) decidedBy?: string;
  @IsOptional() @IsString() @MaxLength(1000) result?: string;
  /** epoch ms */
  @IsInt() at!: number;
}
