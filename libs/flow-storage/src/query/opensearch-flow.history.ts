/**
 * Answers history queries from the daily flow indices: filters only (no
 * scoring), `ip` fields so one term query matches an address or a CIDR, and
 * search_after on (start desc, flow_id desc) for stable pages.
 */
import type { Client } from '@opensearch-project/opensearch';
import { recordFromDocument } from '../flow-document';
import { DEFAULT_INDEX_PREFIX, dailyIndicesBetween } from '../opensearch/flow-index.template';
import { encodeCursor, type FlowPage, type ValidatedFlowQuery } from './flow-query';
import type { FlowHistoryBackend } from './flow-history.service';

/** Beyond this many days, search the index pattern rather than list daily names in the URL. */
const MAX_LISTED_INDICES = 62;

export class OpenSearchFlowHistory implements FlowHistoryBackend {
  readonly name = 'opensearch';
  private readonly prefix: string;

  constructor(private readonly o: { client: Client; prefix?: string; requestTimeoutMs?: number }) {
    this.prefix = o.prefix ?? DEFAULT_INDEX_PREFIX;
  }

  async search(q: ValidatedFlowQuery): Promise<FlowPage> {
    const days = dailyIndicesBetween(q.from, q.to, this.prefix);
    const index = days.length <= MAX_LISTED_INDICES ? days.join(',') : `${this.prefix}-*`;
    const res = await this.o.client.search(
      {
        index,
        ignore_unavailable: true,
        allow_no_indices: true,
        body: searchBody(q) as never,
      },
      { requestTimeout: this.o.requestTimeoutMs ?? 30_000 },
    );
    const hits = ((res.body as { hits?: { hits?: { _source?: Record<string, unknown> }[] } }).hits?.hits ?? []);
    const page = hits.slice(0, q.limit).map((h) => h._source ?? {});
    const last = page[page.length - 1];
    return {
      records: page.map(recordFromDocument),
      ...(hits.length > q.limit && last ? { cursor: encodeCursor({ start: Number(last['start']), id: String(last['flow_id']) }, q.fingerprint) } : {}),
    };
  }
}

/** The search request body for a validated query (exported for tests). */
export function searchBody(q: ValidatedFlowQuery): Record<string, unknown> {
  const filter: unknown[] = [{ range: { start: { gte: q.from, lt: q.to, format: 'epoch_second' } } }];
  if (q.networkText) {
    filter.push({
      bool: {
        should: ['srcaddr', 'dstaddr', 'pkt_srcaddr', 'pkt_dstaddr'].map((f) => ({ term: { [f]: q.networkText } })),
        minimum_should_match: 1,
      },
    });
  }
  if (q.port !== undefined) filter.push({ bool: { should: [{ term: { srcport: q.port } }, { term: { dstport: q.port } }], minimum_should_match: 1 } });
  if (q.eni) filter.push({ term: { interface_id: q.eni } });
  if (q.action) filter.push({ term: { action: q.action } });
  return {
    size: q.limit + 1,
    track_total_hits: false,
    query: { bool: { filter } },
    sort: [{ start: { order: 'desc' } }, { flow_id: { order: 'desc' } }],
    // sort values of a date field are epoch milliseconds
    ...(q.after ? { search_after: [q.after.start * 1000, q.after.id] } : {}),
  };
}
