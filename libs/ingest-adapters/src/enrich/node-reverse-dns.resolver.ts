/**
 * Reverse DNS with node's resolver (c-ares, no thread-pool blocking). "No PTR"
 * answers resolve to []; timeouts and server failures throw so the enricher can
 * mark rows degraded.
 */
import { Resolver } from 'node:dns/promises';
import type { ReverseDnsResolver } from '@flowguard/ingest-pipeline';

const NO_ANSWER = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

export class NodeReverseDnsResolver implements ReverseDnsResolver {
  private readonly resolver: Resolver;
  private readonly timeoutMs: number;

  /** `servers`: e.g. ['10.0.0.2'] (the VPC resolver); default the system's */
  constructor(o: { servers?: string[]; timeoutMs?: number } = {}) {
    this.timeoutMs = o.timeoutMs ?? 500;
    this.resolver = new Resolver({ timeout: this.timeoutMs, tries: 1 });
    if (o.servers?.length) this.resolver.setServers(o.servers);
  }

  async reverse(ip: string): Promise<string[]> {
    const t0 = Date.now();
    try {
      return await this.resolver.reverse(ip);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      // c-ares reports an unanswered query as ENOTFOUND too (measured on Node 20): only a fast
      // ENOTFOUND is a real "no PTR"; one that took the whole timeout is the resolver being down
      if (NO_ANSWER.has(code) && Date.now() - t0 < this.timeoutMs * 0.9) return [];
      if (NO_ANSWER.has(code)) throw Object.assign(new Error(`reverse ${ip}: no answer within ${this.timeoutMs} ms`), { code: 'ETIMEOUT' });
      throw e;
    }
  }

  cancel(): void {
    this.resolver.cancel();
  }
}
