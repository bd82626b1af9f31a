import { IsIn, IsInt, IsString, Matches, MaxLength } from 'class-validator';
import { SEVERITIES, type Severity } from './common';

export const CHANNELS = ['slack', 'pagerduty', 'jira', 'webhook', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export class NotificationV1 {
  @IsString() @Matches(/^[A-Za-z0-9._:-]{8,160}$/) notificationId!: string;
  @IsString() @Matches(/^inc-[A-Za-z0-9._:-]{4,128}$/) incidentId!: string;
  @IsIn(CHANNELS) channel!: Channel;
  @IsIn(SEVERITIES) severity!: Severity;
  @IsString() @MaxLength(300) title!: string;
  @IsString() @MaxLength(4000) body!: string;
  /** epoch ms */
  @IsInt() createdAt!: number;
}
