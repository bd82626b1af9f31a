import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { Writable } from 'node:stream';
import { ConfigError } from '../config/env.loader';
import { HealthService } from '../health/health.service';
import { Public } from '../http/public.decorator';
import { createServiceApp, listenServiceApp, type ServiceApp } from './bootstrap';

class ListQuery {
  @IsOptional() @IsIn(['New', 'Closed']) state?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}

@Controller('v1/things')
class ThingsController {
  @Get()
  list(@Query() q: ListQuery) {
    return { state: q.state ?? null, limit: q.limit ?? null };
  }
  @Post()
  @Public()
  echo(@Body() body: string) {
    return { length: body.length };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const baseEnv = { FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', HTTP_MAX_BODY_BYTES: '2048' };

async function start(env: Record<string, string> = {}): Promise<{ s: ServiceApp; url: string }> {
  const s = await createServiceApp({ service: 'kit-test', modules: [ThingsModule], store: true, env: { ...baseEnv, ...env }, logDestination: quiet, shutdownHooks: false });
  return { s, url: await listenServiceApp(s) };
}

describe('service bootstrap', () => {
  let app: { s: ServiceApp; url: string };
  beforeAll(async () => {
    app = await start();
  });
  afterAll(async () => {
    await app.s.app.close();
  });

  it('serves liveness and readiness with bus, store and consumer checks', async () => {
    expect(await (await fetch(`${app.url}/health/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(['bus', 'consumers', 'store']);
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toContain('flowguard_bus_published_messages_total');
  });

  it('validates query DTOs and rejects unknown fields', async () => {
    expect(await (await fetch(`${app.url}/v1/things?state=New&limit=5`)).json()).toEqual({ state: 'New', limit: 5 });
    const bad = await fetch(`${app.url}/v1/things?state=Bogus&limit=500&extra=1`);
    expect(bad.status).toBe(400);
    const text = JSON.stringify(await bad.json());
    expect(text).toMatch(/state must be one of/);
    expect(text).toMatch(/limit must not be greater than 100/);
    expect(text).toMatch(/property extra should not exist/);
  });

  it('enforces the body size limit', async () => {
    const ok = await fetch(`${app.url}/v1/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(100) });
    expect(await ok.json()).toEqual({ length: 100 });
    const big = await fetch(`${app.url}/v1/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
  });

  it('echoes a well-formed request id and replaces a hostile one', async () => {
    expect((await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    expect((await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'a b <script>' } })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports not ready (503) once shutdown began', async () => {
    const other = await start();
    try {
      other.s.app.get(HealthService).markShuttingDown();
      const res = await fetch(`${other.url}/health/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable', checks: { shutdown: { ok: false } } });
    } finally {
      await other.s.app.close();
    }
  });
});

describe('API token', () => {
  it('guards non-public routes when FLOWGUARD_API_TOKEN is set', async () => {
    const { s, url } = await start({ FLOWGUARD_API_TOKEN: 'a-very-long-test-token' });
    try {
      expect((await fetch(`${url}/v1/things`)).status).toBe(401);
      expect((await fetch(`${url}/v1/things`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      expect((await fetch(`${url}/v1/things`, { headers: { authorization: 'Bearer a-very-long-test-token' } })).status).toBe(200);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect((await fetch(`${url}/v1/things`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(201);
    } finally {
      await s.app.close();
    }
  });
});

describe('boot failures', () => {
  it('fails before starting anything when the config is invalid', async () => {
    await expect(createServiceApp({ service: 'x', modules: [], store: false, env: { FLOWGUARD_BUS: 'kafka', FLOWGUARD_STORE: 'embedded' }, logDestination: quiet }))
      .rejects.toThrow(ConfigError);
  });
});
