import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/service-config';

/**
 * Paths pino censors in every log line: credentials, auth headers and anything
 * named like a token or secret, at the top level and one or two levels down
 * (request objects, error details, config dumps).
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization', 'cookie', 'password', 'secret', 'token', 'apiToken', 'accessToken', 'refreshToken', 'sessionToken',
  '*.authorization', '*.cookie', '*.password', '*.secret', '*.token', '*.apiToken', '*.accessToken', '*.refreshToken', '*.sessionToken',
  '*.*.authorization', '*.*.cookie', '*.*.password', '*.*.secret', '*.*.token',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["set-cookie"]', 'req.headers["x-amz-firehose-access-key"]',
  'headers.authorization', 'headers.cookie', 'headers["x-amz-firehose-access-key"]', 'headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'FLOWGUARD_API_TOKEN', '*.FLOWGUARD_API_TOKEN', 'AWS_SECRET_ACCESS_KEY', '*.AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', '*.AWS_SESSION_TOKEN',
  'secretAccessKey', '*.secretAccessKey', '*.*.secretAccessKey', 'sessionToken', '*.credentials',
];

/** Keys whose name says "secret" anywhere (e.g. `kafkaSaslPassword`, `x-api-token`): censored by the serializer below. */
const SECRETISH = /(pass(word)?|secret|token|api[-_]?key|access[-_]?key|authorization|cookie)/i;

/** Deep-censor secret-looking keys that fixed redact paths cannot anticipate (pino paths have no wildcards inside names). */
export function censorSecrets(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => censorSecrets(v, depth + 1));
  if (value instanceof Error) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRETISH.test(k) ? '[Redacted]' : censorSecrets(v, depth + 1);
  return out;
}

export interface LoggerOptions {
  readonly service: string;
  readonly level: LogLevel;
  /** where lines go; stdout by default (tests pass a buffer) */
  readonly destination?: DestinationStream;
}

/** The root JSON logger of a service: one line per event, `service` on every line, secrets censored. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => censorSecrets(obj) as Record<string, unknown>,
      },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

const NEST_TO_PINO: Record<NestLogLevel, 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal'> = {
  log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal',
};

/**
 * Nest's LoggerService on top of pino, so framework messages (route mapping,
 * lifecycle, exceptions) come out as the same JSON lines as ours. The last
 * string argument of a Nest log call is its context (class name).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void { this.write('log', message, rest); }
  error(message: unknown, ...rest: unknown[]): void { this.write('error', message, rest); }
  warn(message: unknown, ...rest: unknown[]): void { this.write('warn', message, rest); }
  debug(message: unknown, ...rest: unknown[]): void { this.write('debug', message, rest); }
  verbose(message: unknown, ...rest: unknown[]): void { this.write('verbose', message, rest); }
  fatal(message: unknown, ...rest: unknown[]): void { this.write('fatal', message, rest); }

  private write(level: NestLogLevel, message: unknown, rest: unknown[]): void {
    const args = [...rest];
    const context = args.length && typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields['context'] = context;
    // Nest passes an error's stack as the second argument of error()
    if (level === 'error' && typeof args[0] === 'string' && args[0].includes('\n    at ')) fields['stack'] = args.shift();
    if (message instanceof Error) fields['err'] = message;
    else if (message !== null && typeof message === 'object') Object.assign(fields, message);
    if (args.length) fields['details'] = args;
    const text = typeof message === 'string' ? message : message instanceof Error ? message.message : undefined;
    this.logger[NEST_TO_PINO[level]](fields, text);
  }
}
