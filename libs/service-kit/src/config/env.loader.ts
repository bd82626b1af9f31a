import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Raised at boot when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A rule across variables, e.g. "FLOWGUARD_BUS=kafka requires KAFKA_BROKERS". Returns a problem or null. */
export type CrossCheck<T> = (config: T) => string | null;

const SECRET = /token|secret|password|key/i;

function describe(errors: ValidationError[], plain: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const raw = plain[e.property];
    // never echo a secret's value into logs
    const shown = raw === undefined ? 'unset' : SECRET.test(e.property) ? '<redacted>' : JSON.stringify(raw);
    const why = Object.values(e.constraints ?? {}).join('; ');
    out.push(`${e.property}: ${why} (got ${shown})`);
  }
  return out;
}

/**
 * Read environment variables into a validated, typed config class. Empty strings
 * count as unset so `FOO=` in a compose file means "use the default". Unknown
 * variables are ignored (the environment holds much more than ours).
 */
export function loadEnv<T extends object>(
  cls: new () => T,
  env: Record<string, string | undefined>,
  checks: ReadonlyArray<CrossCheck<T>> = [],
  defaults: Record<string, string> = {},
): T {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defaults)) plain[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') plain[k] = v;
  const instance = plainToInstance(cls, plain, { exposeDefaultValues: true, excludeExtraneousValues: false });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true, validationError: { target: false } });
  const problems = describe(errors, plain);
  if (!problems.length) {
    for (const check of checks) {
      const p = check(instance);
      if (p) problems.push(p);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return instance;
}

/** Transform helpers for env strings. */
export const toInt = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
};
export const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return value;
};
export const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
