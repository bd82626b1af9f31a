import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceConfig } from '../config/service-config';
import { SERVICE_CONFIG } from '../tokens';
import { IS_PUBLIC } from './public.decorator';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The bearer token from `Authorization: Bearer <t>`, or for WebSockets (where
 * browsers cannot set headers) from the `Sec-WebSocket-Protocol` entry `bearer.<t>`.
 */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const protocols = headers['sec-websocket-protocol'];
  if (protocols) {
    for (const p of protocols.split(',').map((s) => s.trim())) if (p.startsWith('bearer.')) return p.slice(7);
  }
  return undefined;
}

/**
 * Every HTTP route needs the API token unless marked {@link Public} — when a
 * token is configured (FLOWGUARD_API_TOKEN). Without one the API is open, which
 * is only meant for local use (bootstrap warns when listening beyond loopback).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.http.apiToken;
    if (!expected || context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    if (tokenMatches(presentedToken(req.headers), expected)) return true;
    throw new UnauthorizedException('missing or wrong bearer token');
  }
}
