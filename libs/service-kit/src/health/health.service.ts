import { Injectable, OnModuleDestroy } from '@nestjs/common';

export interface CheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, CheckResult & { readonly ms: number }>;
}

/** A check that hangs is as bad as one that fails: readiness answers within this. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * Readiness is the conjunction of named checks (bus, store, consumers ...)
 * registered by the kit and by the services. Liveness only says the process
 * answers. While the application shuts down, readiness is false so load
 * balancers stop sending traffic before the listener closes.
 */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly checks = new Map<string, () => Promise<CheckResult>>();
  private shuttingDown = false;

  register(name: string, check: () => Promise<CheckResult>): void {
    this.checks.set(name, check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** the first shutdown hook: from here on readiness fails while the listener still answers */
  onModuleDestroy(): void {
    this.markShuttingDown();
  }

  async ready(): Promise<HealthReport> {
    const checks: Record<string, CheckResult & { ms: number }> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        const t0 = Date.now();
        checks[name] = { ...(await withTimeout(check)), ms: Date.now() - t0 };
      }),
    );
    if (this.shuttingDown) checks['shutdown'] = { ok: false, detail: 'shutting down', ms: 0 };
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}

async function withTimeout(check: () => Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check().catch((e: unknown) => ({ ok: false, detail: e instanceof Error ? e.message : String(e) })),
      new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
