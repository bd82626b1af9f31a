import type { Page } from '../repositories.port';

/**
 * The few test-runner functions the contract suites need. Taken from the jest
 * globals at call time, so this library compiles without jest types and its
 * index can be imported by production code.
 */
export interface ContractTestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
}

export interface ContractOptions {
  /** per-test timeout, for suites that talk to a server */
  readonly timeoutMs?: number;
  /** defaults to the runner's globals */
  readonly api?: ContractTestApi;
}

export function testApi(options: ContractOptions): ContractTestApi {
  if (options.api) return options.api;
  const g = globalThis as unknown as Partial<ContractTestApi>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function') {
    throw new Error('repository contract suites must run inside a test runner that defines describe/it');
  }
  return { describe: g.describe.bind(globalThis), it: g.it.bind(globalThis) };
}

/** Follows cursors to the end; fails on a cursor loop instead of hanging. */
export async function collectPages<T>(
  fetch: (cursor: string | undefined) => Promise<Page<T>>, maxPages = 200,
): Promise<{ readonly items: T[]; readonly pages: Page<T>[] }> {
  const pages: Page<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    pages.push(page);
    if (page.cursor !== undefined && page.cursor === cursor) throw new Error('cursor did not advance');
    cursor = page.cursor;
    if (pages.length > maxPages) throw new Error(`more than ${maxPages} pages`);
  } while (cursor !== undefined);
  return { items: pages.flatMap((p) => p.items), pages };
}
