import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse } from './http-types';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The id of the current request: the caller's X-Request-Id when well-formed, else a new UUID. */
export function requestIdOf(req: HttpRequest): string {
  return req.id ?? 'unknown';
}

/**
 * Gives every request an id (echoed in X-Request-Id, used in dead-letter
 * positions and logs) and writes one access-log line when the response ends.
 * Only the path is logged, never the query string or headers.
 */
export function requestContextMiddleware(logger: Logger) {
  const log = logger.child({ component: 'http' });
  return (req: HttpRequest, res: HttpResponse, next: () => void): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const t0 = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
      const quiet = path === '/metrics' || path?.startsWith('/health/');
      const line = { requestId: id, method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (res.statusCode >= 500) log.error(line, 'request failed');
      else if (quiet) log.debug(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}
