import { loadEnv, toInt } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the detect service (docs/services.md). */
export class DetectEnv {
  /** JSON file with a DetectionConfig (thresholds, windows, modes, allow-list); default: the built-in defaults */
  @IsOptional() @IsString() @MinLength(1)
  DETECT_CONFIG_FILE?: string;

  /**
   * Quiet input (ms; 0 = never). An input partition that sent nothing to a lane
   * for this long stops holding the lane's windows back; a lane with no input
   * for this long closes its windows: all at once when its input is a replay
   * (more than an hour behind the wall clock), else as the wall clock moves on.
   * Rows that arrive later for closed windows count as late. docs/detect-scaling.md
   */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(0) @Max(24 * 3600 * 1000)
  DETECT_IDLE_FLUSH_MS = 15_000;

  /**
   * How often DETECT_CONFIG_FILE is checked for changes (ms; 0 = never). A changed,
   * valid file replaces the suppression rules and the allow list at once (windows and
   * open anomalies stay); other changes (thresholds, windows) need a restart and are
   * reported. An invalid file keeps the rules in force.
   */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(0) @Max(24 * 3600 * 1000)
  DETECT_RELOAD_MS = 10_000;
}

export interface DetectSettings {
  readonly configFile?: string;
  readonly idleFlushMs: number;
  /** DETECT_RELOAD_MS; absent or 0: the config file is read at boot only */
  readonly reloadMs?: number;
}

export function loadDetectSettings(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): DetectSettings {
  const e = loadEnv(DetectEnv, env, [], defaults);
  return { ...(e.DETECT_CONFIG_FILE ? { configFile: e.DETECT_CONFIG_FILE } : {}), idleFlushMs: e.DETECT_IDLE_FLUSH_MS, reloadMs: e.DETECT_RELOAD_MS };
}
