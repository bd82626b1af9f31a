import { loadEnv, toInt } from '@flowguard/service-kit';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** Variables of the api's rule evaluation (docs/services.md). */
export class ApiRulesEnv {
  /**
   * JSON file with `suppressions` and `allowList` (the detection config file's format; other keys
   * are ignored). Default: DETECT_CONFIG_FILE, the file detect applies, so both services read the
   * same rules. Unset: no rules (every anomaly is open unless it was stored suppressed).
   */
  @IsOptional() @IsString() @MinLength(1)
  API_RULES_FILE?: string;

  @IsOptional() @IsString() @MinLength(1)
  DETECT_CONFIG_FILE?: string;

  /** How often the rules file is checked for changes (ms; 0 = read at boot only). */
  @Transform(toInt) @IsInt({ message: 'must be an integer number of milliseconds' }) @Min(0) @Max(24 * 3600 * 1000)
  API_RULES_RELOAD_MS = 10_000;
}

export interface ApiRulesSettings {
  readonly file?: string;
  readonly reloadMs: number;
}

export function loadApiRulesSettings(env: Record<string, string | undefined>, defaults: Record<string, string> = {}): ApiRulesSettings {
  const e = loadEnv(ApiRulesEnv, env, [], defaults);
  const file = e.API_RULES_FILE ?? e.DETECT_CONFIG_FILE;
  return { ...(file ? { file } : {}), reloadMs: e.API_RULES_RELOAD_MS };
}

export const API_RULES_SETTINGS = Symbol.for('flowguard.ApiRulesSettings');
