/**
 * The walking skeleton over REAL Kafka and DynamoDB Local: the six services as
 * six Nest applications in this process, each with its own configuration, bus
 * client (KafkaBus) and consumer group, talking only through Kafka topics and
 * DynamoDB tables. A fresh Kafka namespace and table prefix per run keep runs
 * apart. Flow logs go in through ingest's HTTP API; the incident is checked
 * through the API service's REST and WebSocket endpoints.
 *
 * Run through the root integration config (it starts the servers and exports
 * KAFKA_BROKERS and DYNAMODB_ENDPOINT):
 *   npx jest -c jest.integration.config.js apps/flowguard/src/walking-skeleton.int-spec.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Incident, IncidentEventV1 } from '@flowguard/contracts';
import { createDynamoClients, deleteTables, tableNames } from '@flowguard/dynamodb';
import { AgentsServiceModule } from '@flowguard/service-agents';
import { ApiServiceModule } from '@flowguard/service-api';
import { DetectServiceModule } from '@flowguard/service-detect';
import { IngestServiceModule, type IngestResult } from '@flowguard/service-ingest';
import { createServiceApp, listenServiceApp, type ServiceApp } from '@flowguard/service-kit';
import { OrchestratorServiceModule } from '@flowguard/service-orchestrator';
import { PlatformServiceModule } from '@flowguard/service-platform';
import type { DynamicModule } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { DATASETS_DIR } from './all-in-one';
import { PORTSCAN_DATASET } from './sample/sample.runner';
import { generateScanSample } from './sample/scan-sample.generator';
import { connectStream, eventually, getJson, postFlows, type StreamClient } from './testing/walking-skeleton.scenario';

jest.setTimeout(180_000);

const KAFKA_BROKERS = process.env['KAFKA_BROKERS'];
const DYNAMODB_ENDPOINT = process.env['DYNAMODB_ENDPOINT'];
const ACTOR = '172.16.0.1';
const TARGET = '192.168.10.50';
const run = `ws${Date.now().toString(36)}`;
const quiet = new Writable({ write: (_c, _e, cb) => cb() });

const env = {
  FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS, KAFKA_NAMESPACE: `${run}.`,
  FLOWGUARD_STORE: 'dynamodb', DYNAMODB_ENDPOINT, AWS_REGION: 'us-east-1', DYNAMODB_TABLE_PREFIX: `${run}-`,
  PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: process.env['WS_LOG_LEVEL'] ?? 'silent',
  DETECT_IDLE_FLUSH_MS: '1500', INGEST_FILE_ROOTS: DATASETS_DIR,
  // stored flows go to a temp dir, never into the checkout; ip-ranges stay offline
  FLOWS_DIR: mkdtempSync(join(tmpdir(), 'fg-ws-flows-')), INGEST_IP_RANGES: 'bundled',
};

interface Svc {
  readonly name: string;
  readonly module: DynamicModule;
  readonly store: boolean;
  readonly extra?: Record<string, string>;
}

const apps = new Map<string, { s: ServiceApp; url: string }>();

async function start(svc: Svc): Promise<void> {
  const s = await createServiceApp({
    service: svc.name, modules: [svc.module], store: svc.store, env: { ...env, ...svc.extra },
    logDestination: env.LOG_LEVEL === 'silent' ? quiet : process.stdout, shutdownHooks: false,
  });
  const url = await listenServiceApp(s);
  apps.set(svc.name, { s, url });
  // ready = bus reachable, tables usable, every consumer subscribed
  await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 60_000, `${svc.name} ready`);
}

const url = (name: string) => (apps.get(name) as { url: string }).url;

/** The port-scan incident actor → target whose anomaly started in [from, to) (event seconds). */
function portScanIn(from: number, to: number) {
  return (i: { detector?: string; actor?: string | null; targets: string[]; classification?: { anomaly: { detector: string; firstSeen: number } } }): boolean =>
    i.classification?.anomaly.detector === 'port-scan' && i.actor === ACTOR && i.targets.includes(TARGET) &&
    (i.classification?.anomaly.firstSeen ?? 0) >= from && (i.classification?.anomaly.firstSeen ?? 0) < to;
}

async function expectIncident(from: number, to: number, stream: StreamClient): Promise<Incident> {
  const pushed: IncidentEventV1 = await stream.waitFor(portScanIn(from, to), 90_000, 'port-scan incident event');
  expect(pushed).toMatchObject({ type: 'opened', state: 'New', actor: ACTOR });
  const incident = await eventually(async () => {
    const page = await getJson<{ items: Incident[] }>(`${url('api')}/v1/incidents?limit=200`);
    return page.items.find(portScanIn(from, to));
  }, 30_000, 'the incident in GET /v1/incidents');
  expect(incident).toMatchObject({ incidentId: pushed.incidentId, state: 'New', detector: 'port-scan', actor: ACTOR });
  expect(incident.targets).toContain(TARGET);
  expect(incident.mitre).toContain('T1046');
  expect(incident.classification).toMatchObject({ provider: 'offline', verdict: expect.any(String), anomaly: { detector: 'port-scan', actor: ACTOR } });
  expect(incident.classification?.mitre.map((m) => m.id)).toContain('T1046');
  // the anomaly behind it is in the anomalies table, served by the API
  const anomaly = await getJson<{ anomalyId: string; detector: string }>(`${url('api')}/v1/anomalies/${encodeURIComponent(incident.anomalyIds[0] as string)}`);
  expect(anomaly.detector).toBe('port-scan');
  return incident;
}

describe('walking skeleton over Kafka and DynamoDB Local (six services, six applications)', () => {
  let stream: StreamClient;

  beforeAll(async () => {
    if (!KAFKA_BROKERS || !DYNAMODB_ENDPOINT) {
      throw new Error('KAFKA_BROKERS and DYNAMODB_ENDPOINT must be set: run through jest.integration.config.js, which starts the servers');
    }
    // platform first: it creates the namespace's topics and the run's tables
    await start({ name: 'platform', module: PlatformServiceModule.register(), store: PlatformServiceModule.usesStore, extra: { FLOWGUARD_PROVISION: 'true' } });
    await start({ name: 'api', module: ApiServiceModule.register(), store: ApiServiceModule.usesStore });
    await start({ name: 'orchestrator', module: OrchestratorServiceModule.register(), store: OrchestratorServiceModule.usesStore });
    await start({ name: 'agents', module: AgentsServiceModule.register(env), store: AgentsServiceModule.usesStore });
    await start({ name: 'detect', module: DetectServiceModule.register(env), store: DetectServiceModule.usesStore });
    await start({ name: 'ingest', module: IngestServiceModule.register(env), store: IngestServiceModule.usesStore });
    stream = await connectStream(url('api'));
  });

  afterAll(async () => {
    stream?.close();
    for (const name of ['ingest', 'detect', 'agents', 'orchestrator', 'api', 'platform']) await apps.get(name)?.s.app.close();
    if (DYNAMODB_ENDPOINT) {
      const clients = createDynamoClients({ endpoint: DYNAMODB_ENDPOINT, region: 'us-east-1' });
      await deleteTables(clients.client, tableNames(`${run}-`)).catch(() => undefined);
      clients.destroy();
    }
  });

  // the dataset first: detection time only moves forward, and the dataset is from 2017
  const datasetIt = existsSync(PORTSCAN_DATASET) ? it : it.skip;
  if (!existsSync(PORTSCAN_DATASET)) {
    console.warn(`walking skeleton: ${PORTSCAN_DATASET} is absent; the dataset case is skipped (the generated case still runs)`);
  }

  datasetIt('CIC-IDS2017 port scan (shared dataset) → incident with T1046, listed and pushed', async () => {
    const res = await fetch(`${url('ingest')}/v1/flows/file`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'ws-dataset' }, body: JSON.stringify({ path: PORTSCAN_DATASET }),
    });
    expect(res.status).toBe(200);
    const r = (await res.json()) as IngestResult;
    expect(r.records).toBe(10_000);
    await expectIncident(1_490_000_000, 1_510_000_000, stream);
  });

  it('generated scan traffic → incident with T1046, listed and pushed', async () => {
    const r = await postFlows(url('ingest'), generateScanSample(), 'ws-generated');
    expect(r).toMatchObject({ headers: 1, rejected: {}, deadLettered: 0 });
    const incident = await expectIncident(1_700_000_000, 1_700_100_000, stream);
    // exactly one incident for the anomaly, one 'opened' event
    expect(stream.events.filter((e) => e.incidentId === incident.incidentId)).toHaveLength(1);
    // a bad line crosses Kafka to the platform's dead-letter view
    const bad = await postFlows(url('ingest'), 'not a flow log line\n', 'ws-bad');
    expect(bad.deadLettered).toBe(1);
    const letter = await eventually(async () => {
      const view = await getJson<{ recent: Array<{ position?: string; reason: string }> }>(`${url('platform')}/v1/dead-letters`);
      return view.recent.find((l) => l.position === 'http:ws-bad:1');
    }, 30_000, 'the dead letter in the platform view');
    expect(letter.reason).toBe('parse_error');
    // each service sees its own traffic in its own metrics registry
    expect(await (await fetch(`${url('ingest')}/metrics`)).text()).toMatch(/flowguard_bus_published_messages_total\{topic="(?:[A-Za-z0-9._-]+\.)?flowguard\.flows\.enriched\.v1",service="ingest"\} \d+/);
    expect(await (await fetch(`${url('orchestrator')}/metrics`)).text()).toMatch(/flowguard_orchestrator_classifications_total\{outcome="created",route="[a-z_]+",service="orchestrator"\} \d+/);
  });
});
