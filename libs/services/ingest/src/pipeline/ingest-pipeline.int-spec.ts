/**
 * The ingest service as the front door, over REAL servers: records put into a
 * Kinesis stream (kinesalite) go through the one pipeline (threat-intel marks,
 * the tier-1 filter with an allow-list, geo enrichment) to flows.enriched on
 * Kafka, and the storage rows to OpenSearch, where `GET /v1/flows/history`
 * finds them by CIDR. Everything of the run has its own name (Kafka namespace,
 * stream, index prefix), so runs sharing the servers do not see each other.
 *
 *   npx jest -c jest.integration.config.js libs/services/ingest/src/pipeline/ingest-pipeline.int-spec.ts
 *   (FLOWGUARD_SERVERS=kafka,opensearch,kinesis starts only what it needs)
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Consumers, Mark, Topics, type FlowBatch } from '@flowguard/contracts';
import { KafkaBus } from '@flowguard/kafka';
import { createServiceApp, listenServiceApp, type ServiceApp } from '@flowguard/service-kit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { kinesisClient } from '../delivery/aws-clients';
import type { FlowHistoryPage } from '../history/flow-history.controller';
import { IngestServiceModule } from '../ingest-service.module';
import { until } from '../testing/until';

jest.setTimeout(180_000);

const { KAFKA_BROKERS, OPENSEARCH_URL, KINESIS_ENDPOINT } = process.env;
const run = `ip${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const T0 = 1_700_000_000;
/** app subnet 10.7.0.0/24 talking to a public peer; the backup host 10.66.0.0/24 is allow-listed */
const app = (i: number) => `2 123456789012 eni-0app ${`10.7.0.${i % 200}`} 8.8.8.8 ${30000 + i} 443 6 5 900 ${T0 + i} ${T0 + i + 30} ACCEPT OK`;
const backup = (i: number) => `2 123456789012 eni-0bak ${`10.66.0.${i % 200}`} 10.7.1.1 ${40000 + i} 873 6 50 90000 ${T0 + i} ${T0 + i + 30} ACCEPT OK`;

describe('ingest front door over Kinesis, Kafka and OpenSearch', () => {
  let s: ServiceApp;
  let url: string;
  let consumer: KafkaBus;
  const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-front-'));
  const received: Array<{ src: string; marks: number; country: string | undefined; key: string | null }> = [];

  beforeAll(async () => {
    if (!KAFKA_BROKERS || !OPENSEARCH_URL || !KINESIS_ENDPOINT) {
      throw new Error('KAFKA_BROKERS, OPENSEARCH_URL and KINESIS_ENDPOINT must be set: run through jest.integration.config.js, which starts the servers');
    }
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT });
    // the service loads the adapters lazily; so does its spec
    const { createActiveStream } = await import('@flowguard/ingest-adapters');
    await createActiveStream(kinesis, run, 2);
    kinesis.destroy();
    writeFileSync(join(dir, 'allow.json'), JSON.stringify([{ id: 'backup-host', owner: 'it', reason: 'rsync backups', match: { srcCidr: '10.66.0.0/24', dstPort: 873 } }]));

    const env = {
      FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS, KAFKA_NAMESPACE: `${run}.`, FLOWGUARD_PROVISION: 'true', FLOWGUARD_STORE: 'embedded',
      PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: process.env['INT_LOG_LEVEL'] ?? 'silent',
      INGEST_KINESIS_STREAM: run, KINESIS_ENDPOINT, INGEST_KINESIS_CHECKPOINT_FILE: join(dir, 'checkpoints.json'),
      INGEST_IP_RANGES: 'bundled', INGEST_ALLOW_LIST_FILE: join(dir, 'allow.json'),
      FLOWS_PARQUET: 'false', FLOWS_OPENSEARCH_URL: OPENSEARCH_URL, FLOWS_OPENSEARCH_PREFIX: `fgtest-${run}`, FLOWS_OPENSEARCH_REPLICAS: '0',
    };
    s = await createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
    url = await listenServiceApp(s);

    // what detection would read: a consumer group of this run on flows.enriched
    consumer = new KafkaBus({ brokers: KAFKA_BROKERS.split(','), namespace: `${run}.`, clientId: `${run}-reader`, retry: { retries: 2, initialRetryTime: 100 } });
    await consumer.subscribe<FlowBatch>({
      group: Consumers.detect, topic: Topics.flowsEnriched, fromBeginning: true,
      handle: async (batch) => {
        for (const { value, meta } of batch) {
          for (let i = 0; i < value.length; i++) received.push({ src: value.src(i), marks: value.marks[i] as number, country: value.textValue('dst-country', i), key: meta.key });
        }
      },
    });
  });

  afterAll(async () => {
    await consumer?.close();
    await s?.app.close();
    rmSync(dir, { recursive: true, force: true });
    if (OPENSEARCH_URL) await fetch(`${OPENSEARCH_URL}/fgtest-${run}-*`, { method: 'DELETE' }).catch(() => undefined);
  });

  it('filters, enriches and publishes Kinesis records to Kafka, and stores them in OpenSearch for the history query', async () => {
    const kinesis = await kinesisClient({ region: 'us-east-1', endpoint: KINESIS_ENDPOINT as string });
    try {
      await kinesis.send(new PutRecordsCommand({
        StreamName: run,
        Records: Array.from({ length: 30 }, (_, r) => ({
          PartitionKey: `k${r}`, Data: Buffer.from([app(r * 2), app(r * 2 + 1), backup(r)].join('\n')),
        })),
      }));
    } finally {
      kinesis.destroy();
    }

    // Kafka: the 60 app rows, enriched; none of the 30 allow-listed backup rows
    await until(() => (received.length >= 60 ? true : undefined), 60_000, '60 rows on flows.enriched');
    await new Promise((r) => setTimeout(r, 1000));
    expect(received).toHaveLength(60);
    expect(received.every((r) => r.src.startsWith('10.7.0.'))).toBe(true);
    expect(received.every((r) => (r.marks & Mark.ENRICHED) !== 0 && r.country === 'US')).toBe(true);
    expect(received.every((r) => r.key?.startsWith('shardId-'))).toBe(true);

    // OpenSearch: the history of the app subnet, newest first, paged
    const range = `from=${T0}&to=${T0 + 3600}`;
    const first = await until(async () => {
      const page = (await (await fetch(`${url}/v1/flows/history?cidr=10.7.0.0/24&${range}&limit=50`)).json()) as FlowHistoryPage;
      return page.records.length === 50 && page.cursor ? page : undefined;
    }, 30_000, 'the first history page from OpenSearch');
    expect(first.backend).toBe('opensearch');
    const second = (await (await fetch(`${url}/v1/flows/history?cidr=10.7.0.0/24&${range}&limit=50&cursor=${encodeURIComponent(first.cursor as string)}`)).json()) as FlowHistoryPage;
    expect(second.records).toHaveLength(10);
    expect(second.cursor).toBeUndefined();
    const all = [...first.records, ...second.records];
    expect(new Set(all.map((r) => `${r.srcAddr}:${r.srcPort}`)).size).toBe(60);
    expect(all.every((r, i) => i === 0 || (r.start ?? 0) <= (all[i - 1]?.start ?? 0))).toBe(true);
    expect(all.every((r) => r.srcAddr?.startsWith('10.7.0.') && r.dstAddr === '8.8.8.8')).toBe(true);

    // the counts: per path, per reason, per allow-list entry
    const stats = (await (await fetch(`${url}/v1/ingest/stats`)).json()) as {
      totals: { rowsIn: Record<string, number>; detectionRows: Record<string, number>; filter: { droppedFromDetection: Record<string, number>; allowListHits: Record<string, number> } };
      storage: { opensearch: { templateReady: boolean; docsIndexed: number } };
    };
    expect(stats.totals).toMatchObject({ rowsIn: { kinesis: 90 }, detectionRows: { kinesis: 60 }, filter: { droppedFromDetection: { allow_list: 30 }, allowListHits: { 'backup-host': 30 } } });
    expect(stats.storage.opensearch.templateReady).toBe(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('flowguard_ingest_filter_dropped_rows_total{path="kinesis",reason="allow_list",service="ingest"} 30');
  });
});
