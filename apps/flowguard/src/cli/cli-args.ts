import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit code 2 with a clear message. */
export class UsageError extends Error {}

/** Where a command writes; tests pass buffers, main passes the process streams. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  /** monotonic clock in ms (progress throttling, timings) */
  now(): number;
}

export const EXIT = { OK: 0, RUNTIME: 1, USAGE: 2 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with its errors turned into UsageErrors. */
export function parse<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

export function intOption(name: string, raw: string | undefined, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return dflt;
  const text = raw.replace(/_/g, '');
  // allow 10e6 / 1e7 style for large counts, but only whole numbers
  const v = /^\d+(\.\d+)?e\d+$/i.test(text) ? Number(text) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(`--${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  return v;
}

export function numberOption(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return v;
}

export function choiceOption<T extends string>(name: string, raw: string | undefined, choices: readonly T[], dflt: T): T {
  if (raw === undefined) return dflt;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function listOption(raw: string | undefined): string[] | undefined {
  return raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Unix seconds from `--start`: an integer, or an ISO-8601 date-time. */
export function timeOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be Unix seconds or an ISO date-time, got "${raw}"`);
  return Math.floor(ms / 1000);
}
