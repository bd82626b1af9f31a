import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

/** What a consumer could not process, with why, so nothing is lost. */
export class DeadLetterV1 {
  @IsString() @MaxLength(64) consumer!: string;
  @IsString() @MaxLength(200) sourceTopic!: string;
  @IsInt() @Min(-1) partition!: number;
  @IsString() @MaxLength(40) offset!: string;
  @IsOptional() @IsString() @MaxLength(1024) key?: string | null;
  /** machine-readable reason, used as a metric label: decode_error, validation_error, handler_error, parse_error */
  @IsString() @MaxLength(64) reason!: string;
  @IsString() @MaxLength(4000) error!: string;
  /** where in the source the bad input was (file:line, s3 key:line ...) when known */
  @IsOptional() @IsString() @MaxLength(1024) position?: string;
  /** base64 of the original payload (or the offending line) */
  @IsString() payload!: string;
  @IsInt() attempts!: number;
  /** epoch ms */
  @IsInt() failedAt!: number;
}
