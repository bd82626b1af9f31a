import { loadEnv, toInt } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the detect service (docs/services.md). */
export class DetectEnv {
  /** JSON file with a DetectionConfig (thresholds, windows, modes, allow-list); default: the built-in defaults */
  @IsOptional() @IsString() @MinLength(1)
  DETECT_CONFIG_FILE?: string;

  /**
   * Close every open window when no flow batch arrived for this long (ms; 0 = never).
   * Windows close on event time as data flows; this only matters when input
   * stops (a replayed file, a quiet network). Rows that arrive later for an
   * already-closed window count as late.
   */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(0) @Max(24 * 3600 * 1000)
  DETECT_IDLE_FLUSH_MS = 15_000;
}

export interface DetectSettings {
  readonly configFile?: string;
  readonly idleFlushMs: number;
}

export function loadDetectSettings(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): DetectSettings {
  const e = loadEnv(DetectEnv, env, [], defaults);
  return { ...(e.DETECT_CONFIG_FILE ? { configFile: e.DETECT_CONFIG_FILE } : {}), idleFlushMs: e.DETECT_IDLE_FLUSH_MS };
}
