/**
 * SigV4 (Amazon OpenSearch Service with IAM) against a proxy that verifies
 * every signature independently and forwards to the real local OpenSearch:
 * the template, bulk indexing and a history query all pass with the right
 * credentials; a wrong secret and an unsigned client get 403.
 */
import { batchFromRecords } from '@flowguard/contracts';
import { FlowHistoryService } from '../query/flow-history.service';
import { OpenSearchFlowHistory } from '../query/opensearch-flow.history';
import { flowFixtures } from '../testing/flow-fixtures';
import { requireEnv, testOpenSearchClient, uniqueName } from '../testing/int-env';
import { startSigV4Proxy, type SigV4Proxy } from '../testing/sigv4-verifying.proxy';
import { ensureFlowIndexTemplate } from './flow-index.setup';
import { createOpenSearchClient } from './opensearch.client';
import { OpenSearchFlowIndexer, type FlowDeadLetter } from './opensearch-flow.indexer';

const T0 = 1709596800; // 2024-03-05T00:00:00Z
const CREDS = { accessKeyId: 'AKIAFLOWGUARDTEST', secretAccessKey: 'flowguard-test-secret' };

describe('OpenSearch client with AWS SigV4', () => {
  let proxy: SigV4Proxy;
  const prefix = uniqueName('fgtest-sigv4');

  beforeAll(async () => {
    proxy = await startSigV4Proxy({ target: requireEnv('OPENSEARCH_URL'), region: 'eu-west-1', service: 'es', credentials: CREDS });
  });
  afterAll(async () => {
    const admin = testOpenSearchClient();
    await admin.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
    await admin.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await admin.close();
    await proxy?.close();
  });

  it('signs template, bulk and search requests so that a verifying endpoint accepts them', async () => {
    const client = await createOpenSearchClient(
      { url: proxy.url, sigv4: { region: 'eu-west-1', service: 'es' } },
      { getCredentials: async () => CREDS },
    );
    await ensureFlowIndexTemplate(client, { prefix, replicas: 0, refreshInterval: '1s' });
    const records = flowFixtures({ count: 120, start: T0, step: 97, seed: 7 });
    const dead: FlowDeadLetter[] = [];
    const indexer = new OpenSearchFlowIndexer({ client, prefix, refresh: 'wait_for', deadLetter: (d) => void dead.push(...d) });
    await indexer.index(batchFromRecords(records));
    await indexer.flush();
    expect(dead).toEqual([]);
    expect(indexer.metrics().docsIndexed).toBe(120);
    const ip = records[0]?.srcAddr as string;
    const page = await new FlowHistoryService(new OpenSearchFlowHistory({ client, prefix })).query({ ip, from: T0 - 60, to: T0 + 120 * 97 + 60, limit: 1000 });
    const expected = records.filter((r) => r.srcAddr === ip || r.dstAddr === ip).length;
    expect(page.records.length).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(proxy.rejected).toEqual([]);
    expect(proxy.verified).toBeGreaterThanOrEqual(3);
    await client.close();
  });

  it('is refused with a wrong secret, and unsigned', async () => {
    const before = proxy.rejected.length;
    const wrong = await createOpenSearchClient(
      { url: proxy.url, sigv4: { region: 'eu-west-1', service: 'es' } },
      { getCredentials: async () => ({ ...CREDS, secretAccessKey: 'not-the-secret' }) },
    );
    await expect(wrong.cluster.health()).rejects.toMatchObject({ meta: { statusCode: 403 } });
    const unsigned = await createOpenSearchClient({ url: proxy.url });
    await expect(unsigned.cluster.health()).rejects.toMatchObject({ meta: { statusCode: 403 } });
    expect(proxy.rejected.slice(before)).toEqual(['signature does not match', 'no SigV4 Authorization header']);
    await wrong.close();
    await unsigned.close();
  });

  it('refuses basic auth and SigV4 together', async () => {
    await expect(createOpenSearchClient({ url: proxy.url, auth: { username: 'a', password: 'b' }, sigv4: { region: 'eu-west-1', service: 'es' } }))
      .rejects.toThrow('exclude each other');
  });
});
