/** TEST ONLY: the history query answered by brute force over records, as the expected result. */
import type { FlowRecord } from '@flowguard/contracts';
import { flowIdOf } from '../flow-document';
import { addressMatcher } from '../query/address.matcher';
import type { ValidatedFlowQuery } from '../query/flow-query';

export function referenceQuery(records: FlowRecord[], q: ValidatedFlowQuery): FlowRecord[] {
  const inNet = q.network ? addressMatcher(q.network) : undefined;
  return records
    .filter((r) => r.start !== undefined && r.start >= q.from && r.start < q.to)
    .filter((r) => !inNet || [r.srcAddr, r.dstAddr, r.fields?.['pkt-srcaddr'], r.fields?.['pkt-dstaddr']].some((a) => inNet(a)))
    .filter((r) => q.port === undefined || r.srcPort === q.port || r.dstPort === q.port)
    .filter((r) => !q.eni || r.interfaceId === q.eni)
    .filter((r) => !q.action || r.action === q.action)
    .map((r) => ({ r, id: flowIdOf(r) }))
    .sort((a, b) => (b.r.start as number) - (a.r.start as number) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((x) => x.r);
}

/** Every page of a query, following cursors (bounded, so a cursor loop fails the test instead of hanging). */
export async function allPages(
  run: (cursor: string | undefined) => Promise<{ records: FlowRecord[]; cursor?: string }>,
  maxPages = 1000,
): Promise<{ records: FlowRecord[]; pages: number }> {
  const out: FlowRecord[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await run(cursor);
    out.push(...page.records);
    if (!page.cursor) return { records: out, pages };
    cursor = page.cursor;
  }
  throw new Error(`more than ${maxPages} pages`);
}
