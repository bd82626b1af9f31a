/**
 * Applies the flow index template and, where the cluster has the Index State
 * Management plugin, the retention policy. Idempotent: safe on every start.
 */
import type { Client } from '@opensearch-project/opensearch';
import { DEFAULT_INDEX_PREFIX, flowIndexTemplate, flowIsmPolicy, type FlowIndexTemplateOptions } from './flow-index.template';

export async function ensureFlowIndexTemplate(client: Client, options: FlowIndexTemplateOptions = {}): Promise<void> {
  const name = options.prefix ?? DEFAULT_INDEX_PREFIX;
  await client.indices.putIndexTemplate({ name, body: flowIndexTemplate(options) as never });
}

/** True when the cluster runs the ISM plugin (`opensearch-index-management`). */
export async function ismAvailable(client: Client): Promise<boolean> {
  const res = await client.cat.plugins({ format: 'json' });
  const rows = (res.body as unknown as { component?: string }[]) ?? [];
  return rows.some((r) => r.component === 'opensearch-index-management');
}

/**
 * Install (or update) the ISM delete-after-N-days policy. Returns 'unavailable'
 * without touching the cluster when ISM is absent: the caller then runs
 * {@link OpenSearchFlowRetention} on a timer instead.
 */
export async function installIsmPolicy(client: Client, days: number, prefix = DEFAULT_INDEX_PREFIX): Promise<'installed' | 'unavailable'> {
  if (!(await ismAvailable(client))) return 'unavailable';
  const path = `/_plugins/_ism/policies/${encodeURIComponent(`${prefix}-retention`)}`;
  const body = flowIsmPolicy(days, prefix);
  const existing = await client.transport.request({ method: 'GET', path }, { ignore: [404] });
  if (existing.statusCode === 404) {
    await client.transport.request({ method: 'PUT', path, body });
  } else {
    const b = existing.body as { _seq_no?: number; _primary_term?: number };
    await client.transport.request({ method: 'PUT', path, body, querystring: { if_seq_no: b._seq_no, if_primary_term: b._primary_term } });
  }
  return 'installed';
}
