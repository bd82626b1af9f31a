/**
 * The walking skeleton in embedded mode: the six service modules in one Nest
 * application over the in-process bus and the in-memory embedded store, driven
 * over real HTTP and WebSocket. (The same scenario over Kafka and DynamoDB
 * Local, one application per service: walking-skeleton.int-spec.ts.)
 */
import { Consumers, recordAt, Topics, type Incident, type ThreatClassificationV1 } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import type { Bus } from '@flowguard/messaging';
import type { Page } from '@flowguard/persistence';
import { BUS, createServiceApp, listenServiceApp, type ServiceApp } from '@flowguard/service-kit';
import type { FlowHistoryPage } from '@flowguard/service-ingest';
import type { DeadLetterSummary } from '@flowguard/service-platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { allInOneDefaults, allInOneOptions } from './all-in-one';
import { generateScanSample } from './sample/scan-sample.generator';
import { connectStream, eventually, findPortScanIncident, getJson, isPortScanOf, postFlows, type StreamClient } from './testing/walking-skeleton.scenario';

const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const ACTOR = '172.16.0.1';
const TARGET = '192.168.10.50';
const FIREHOSE_KEY = 'firehose-test-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'fg-ws-embedded-'));
// the allow-list the ingest filter applies: one entry in force, one expired (reported, ignored)
const ALLOW_LIST = [
  { id: 'ws-backup', owner: 'walking-skeleton', reason: 'nightly backup host', match: { srcCidr: '10.66.0.0/24' } },
  { id: 'ws-expired', owner: 'walking-skeleton', reason: 'old exception', expiresAt: '2020-01-01T00:00:00Z', match: { srcCidr: '10.67.0.0/24' } },
];

describe('walking skeleton (embedded: one process, in-process bus, embedded store)', () => {
  let s: ServiceApp;
  let url: string;
  let stream: StreamClient;

  beforeAll(async () => {
    const defaults = allInOneDefaults();
    delete defaults['FLOWGUARD_DATA_DIR']; // memory only
    writeFileSync(join(dir, 'allow-list.json'), JSON.stringify(ALLOW_LIST));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ suppressions: [], allowList: [] }));
    const env = {
      PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', DETECT_IDLE_FLUSH_MS: '300', LOG_LEVEL: 'warn',
      INGEST_FIREHOSE_ACCESS_KEYS: FIREHOSE_KEY,
      // flow storage (Parquet) in a directory of this run; tests never fetch ip-ranges from the internet
      FLOWS_DIR: join(dir, 'flows'), INGEST_IP_RANGES: 'bundled', INGEST_ALLOW_LIST_FILE: join(dir, 'allow-list.json'),
      // the rules the api applies to stored anomalies at query time
      API_RULES_FILE: join(dir, 'rules.json'), API_RULES_RELOAD_MS: '100',
    };
    s = await createServiceApp(allInOneOptions(env, { logDestination: quiet, shutdownHooks: false }, defaults));
    url = await listenServiceApp(s);
    stream = await connectStream(url);
  }, 60_000);

  afterAll(async () => {
    stream?.close();
    await s?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns a port scan posted as flow-log text into a classified incident, listed and pushed live', async () => {
    const result = await postFlows(url, generateScanSample(), 'ws-embedded-1');
    expect(result).toMatchObject({ requestId: 'ws-embedded-1', headers: 1, rejected: {}, deadLettered: 0 });
    expect(result.records).toBeGreaterThan(300);

    const pushed = await stream.waitFor(isPortScanOf(ACTOR, TARGET), 10_000, 'port-scan incident event');
    expect(pushed).toMatchObject({ type: 'opened', state: 'New' });

    const incident = await findPortScanIncident(url, ACTOR, TARGET, 5_000);
    expect(incident).toMatchObject({ state: 'New', detector: 'port-scan', actor: ACTOR, incidentId: pushed.incidentId });
    expect(incident.targets).toContain(TARGET);
    expect(incident.mitre).toContain('T1046');
    expect(incident.classification).toMatchObject({ provider: 'offline', anomaly: { detector: 'port-scan', actor: ACTOR } });
    expect(incident.classification?.mitre.map((m) => m.id)).toContain('T1046');
    expect(incident.classification?.reasoning).toMatch(/Signals: /);

    const one = await getJson<Incident>(`${url}/v1/incidents/${encodeURIComponent(incident.incidentId)}`);
    expect(one.incidentId).toBe(incident.incidentId);
    const anomalies = await getJson<Page<{ anomalyId: string; detector: string }>>(`${url}/v1/anomalies?detector=port-scan`);
    expect(anomalies.items.map((a) => a.anomalyId)).toContain(incident.anomalyIds[0]);
    // the anomaly links to its raw flows: the export of the actor's flows over its span
    const anomaly = await getJson<{ actor: string; links: { flows: string; export: string } }>(`${url}/v1/anomalies/${encodeURIComponent(incident.anomalyIds[0] as string)}`);
    expect(anomaly.links.export).toContain(`ip=${ACTOR}`);
    const csv = (await (await fetch(`${url}${anomaly.links.export}`)).text()).trimEnd().split('\n');
    expect(csv.length).toBeGreaterThan(20); // header + the scan's probes
    expect(csv.slice(1).every((l) => l.split(',')[3] === ACTOR || l.split(',')[4] === ACTOR)).toBe(true);
    const filtered = await getJson<Page<Incident>>(`${url}/v1/incidents?state=Closed`);
    expect(filtered.items).toEqual([]);
  });

  it('applies a suppression added later to the stored anomaly at query time (drafted from the anomaly itself)', async () => {
    type View = { anomalyId: string; status: string; current: { status: string; rule?: { kind: string; id: string } } };
    const incident = await findPortScanIncident(url, ACTOR, TARGET, 5_000);
    const id = encodeURIComponent(incident.anomalyIds[0] as string);
    expect((await getJson<View>(`${url}/v1/anomalies/${id}`)).current).toEqual({ status: 'open' });

    expect((await fetch(`${url}/v1/anomalies/${id}/suppression-draft?reason=pentest`)).status).toBe(400); // owner is required
    const draft = await getJson<{ rule: { id: string; cidrs: string[]; detectors: string[] }; rulesFile: string }>(
      `${url}/v1/anomalies/${id}/suppression-draft?owner=ana&reason=${encodeURIComponent('scheduled pentest')}&days=7`,
    );
    expect(draft.rule).toMatchObject({ detectors: ['port-scan'], cidrs: [`${ACTOR}/32`] });
    expect(draft.rulesFile).toBe(join(dir, 'rules.json'));

    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ suppressions: [draft.rule], allowList: [] }));
    const suppressed = await eventually(async () => {
      const a = await getJson<View>(`${url}/v1/anomalies/${id}`);
      return a.current.status === 'suppressed' ? a : undefined;
    }, 5_000, 'the suppression applied at query time');
    expect(suppressed.current.rule).toMatchObject({ kind: 'suppression', id: draft.rule.id });
    expect(suppressed.status).toBe('open'); // what was stored does not change
    const open = await getJson<Page<View>>(`${url}/v1/anomalies?detector=port-scan&current=open`);
    expect(open.items.map((a) => a.anomalyId)).not.toContain(incident.anomalyIds[0]);
    const only = await getJson<Page<View>>(`${url}/v1/anomalies?detector=port-scan&current=suppressed`);
    expect(only.items.map((a) => a.anomalyId)).toContain(incident.anomalyIds[0]);

    // a broken rules file is reported and changes nothing
    writeFileSync(join(dir, 'rules.json'), '{"suppressions": [{"id": "x"}]}');
    const state = await eventually(async () => {
      const r = await getJson<{ problem: string | null; rules: { suppressions: Array<{ id: string }> } }>(`${url}/v1/rules`);
      return r.problem ? r : undefined;
    }, 5_000, 'the rules problem reported');
    expect(state.problem).toMatch(/suppressions\[0\]\.owner/);
    expect(state.rules.suppressions.map((r) => r.id)).toEqual([draft.rule.id]);
    expect((await getJson<View>(`${url}/v1/anomalies/${id}`)).current.status).toBe('suppressed');

    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ suppressions: [], allowList: [] }));
    await eventually(async () => ((await getJson<View>(`${url}/v1/anomalies/${id}`)).current.status === 'open' ? true : undefined), 5_000, 'rule removed');
  });

  it('stores the flows of the sample and answers the history query from the Parquet files', async () => {
    const sample = generateScanSample().split('\n').slice(1).filter(Boolean);
    const ofActor = sample.filter((l) => l.split(' ')[3] === ACTOR || l.split(' ')[4] === ACTOR);
    const range = `from=1700000000&to=${1700000000 + 3600}`;
    const seen: Array<{ srcAddr?: string; dstAddr?: string; start?: number }> = [];
    let cursor: string | undefined;
    do {
      const page: FlowHistoryPage = await getJson(`${url}/v1/flows/history?ip=${ACTOR}&${range}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.backend).toBe('parquet');
      seen.push(...page.records);
      cursor = page.cursor;
    } while (cursor);
    expect(seen.length).toBe(ofActor.length);
    expect(seen.every((r) => r.srcAddr === ACTOR || r.dstAddr === ACTOR)).toBe(true);
    // newest first
    expect(seen.every((r, i) => i === 0 || (r.start ?? 0) <= (seen[i - 1]?.start ?? 0))).toBe(true);
    const scanOfTarget = await getJson<FlowHistoryPage>(`${url}/v1/flows/history?cidr=192.168.10.0/24&port=22&action=accept&${range}&limit=1000`);
    expect(scanOfTarget.records.length).toBeGreaterThan(0);
    expect(scanOfTarget.records.every((r) => (r.srcPort === 22 || r.dstPort === 22) && r.action === 'ACCEPT')).toBe(true);

    const bad = await fetch(`${url}/v1/flows/history?cidr=10.0.0.0&from=1700000000&to=1699999000`);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { issues: Array<{ field: string }> };
    expect(body.issues.map((i) => i.field).sort()).toEqual(['cidr', 'to']);
    expect((await fetch(`${url}/v1/flows/history?ip=${ACTOR}&${range}&host=x`)).status).toBe(400);

    // the same flows as a download: flow-log text the parser reads back, CSV with a row per flow, a row cap
    const log = await fetch(`${url}/v1/flows/export?ip=${ACTOR}&${range}&format=log`);
    expect(log.status).toBe(200);
    expect(log.headers.get('content-disposition')).toContain('flows.log');
    const parsed = parseFlowLogText(await log.text());
    expect(parsed.errors).toEqual([]);
    const exported = Array.from({ length: parsed.batch.length }, (_, i) => recordAt(parsed.batch, i));
    const key = (r: { srcAddr?: string; dstAddr?: string; srcPort?: number; dstPort?: number; start?: number }) =>
      `${r.srcAddr} ${r.dstAddr} ${r.srcPort} ${r.dstPort} ${r.start}`;
    expect(exported.map(key).sort()).toEqual(seen.map(key).sort());
    const csv = (await (await fetch(`${url}/v1/flows/export?ip=${ACTOR}&${range}&format=csv&max=7`)).text()).trimEnd().split('\n');
    expect(csv).toHaveLength(8); // header + 7
    expect(csv[0]?.startsWith('version,account-id,interface-id,srcaddr,dstaddr')).toBe(true);
    const badExport = await fetch(`${url}/v1/flows/export?ip=${ACTOR}&${range}&format=xml`);
    expect(badExport.status).toBe(400);
  });

  it('drops allow-listed sources from detection (counted per entry), ignores expired entries', async () => {
    const before = (await getJson<{ records: number }>(`${url}/v1/detect/stats`)).records;
    const text = [
      '2 123456789012 eni-1 10.66.0.5 10.66.1.1 40000 873 6 20 9000 1700001000 1700001060 ACCEPT OK', // allow-listed (ws-backup)
      '2 123456789012 eni-1 10.66.0.6 10.66.1.1 40001 873 6 20 9000 1700001000 1700001060 ACCEPT OK', // allow-listed (ws-backup)
      '2 123456789012 eni-1 10.67.0.5 10.66.1.1 40002 873 6 20 9000 1700001000 1700001060 ACCEPT OK', // expired entry: kept
    ].join('\n');
    const r = await postFlows(url, text, 'ws-allow-list');
    expect(r).toMatchObject({ records: 3, detection: 1, dropped: 2 });
    const stats = await getJson<{
      filter: { allowList: { entries: number; active: number; expired: string[] } };
      totals: { filter: { droppedFromDetection: Record<string, number>; allowListHits: Record<string, number> } };
    }>(`${url}/v1/ingest/stats`);
    expect(stats.filter.allowList).toMatchObject({ entries: 2, active: 1, expired: ['ws-expired'] });
    expect(stats.totals.filter.droppedFromDetection['allow_list']).toBe(2);
    expect(stats.totals.filter.allowListHits).toEqual({ 'ws-backup': 2 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/flowguard_ingest_filter_dropped_rows_total\{path="http",reason="allow_list",service="flowguard"\} 2\n/);
    expect(metrics).toMatch(/flowguard_ingest_allow_list_hits_total\{entry="ws-backup",service="flowguard"\} 2\n/);
    // only the row of the expired entry reached detection
    const deadline = Date.now() + 3000;
    while ((await getJson<{ records: number }>(`${url}/v1/detect/stats`)).records < before + 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
    await new Promise((res) => setTimeout(res, 200));
    expect((await getJson<{ records: number }>(`${url}/v1/detect/stats`)).records).toBe(before + 1);
  });

  it('never opens a second incident or pushes a second event when a classification is redelivered', async () => {
    const incident = await findPortScanIncident(url, ACTOR, TARGET, 5_000);
    const before = stream.events.length;
    const bus = s.app.get<Bus>(BUS);
    const classification = incident.classification as ThreatClassificationV1;
    await bus.publish(Topics.classifications, [classification, classification]);
    // the redelivered classifications pass through the orchestrator; give them time to (not) produce anything
    await new Promise((r) => setTimeout(r, 500));
    const page = await getJson<Page<Incident>>(`${url}/v1/incidents?limit=200`);
    expect(page.items.filter((i) => i.anomalyIds.includes(incident.anomalyIds[0] as string))).toHaveLength(1);
    expect(stream.events.slice(before).filter((e) => e.incidentId === incident.incidentId)).toEqual([]);
  });

  it('moves the incident through its lifecycle over the API and pushes the change', async () => {
    const incident = await findPortScanIncident(url, ACTOR, TARGET, 5_000);
    const post = (body: object) => fetch(`${url}/v1/incidents/${encodeURIComponent(incident.incidentId)}/transitions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const illegal = await post({ to: 'Resolved', by: 'alice' });
    expect(illegal.status).toBe(409);
    expect(await illegal.json()).toMatchObject({ allowed: ['Investigating', 'Closed'] });
    expect((await post({ to: 'Investigating', by: 'alice', extra: 1 })).status).toBe(400);
    const moved = await post({ to: 'Investigating', by: 'alice', reason: 'checking the open ports', expectedVersion: incident.version });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ state: 'Investigating', version: incident.version + 1 });
    const pushed = await stream.waitFor((e) => e.incidentId === incident.incidentId && e.type === 'state_changed', 5_000, 'state_changed event');
    expect(pushed).toMatchObject({ state: 'Investigating', previousState: 'New', by: 'alice' });
    expect((await post({ to: 'Contained', by: 'bob', expectedVersion: incident.version })).status).toBe(409); // stale version
  });

  it('dead-letters bad lines with their request and line position, visible on the platform', async () => {
    const text = '2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1700000000 1700000001 ACCEPT OK\nthis is not a flow log\n';
    const r = await postFlows(url, text, 'ws-bad-lines');
    expect(r).toMatchObject({ records: 1, deadLettered: 1 });
    expect(Object.values(r.rejected)).toEqual([1]);
    const letter = await eventually(async () => {
      const view = await getJson<DeadLetterSummary>(`${url}/v1/dead-letters?consumer=${Consumers.ingestRaw}`);
      return view.recent.find((l) => l.position === 'http:ws-bad-lines:2');
    }, 3_000, 'the dead letter in GET /v1/dead-letters');
    expect(letter).toMatchObject({ consumer: Consumers.ingestRaw, reason: 'parse_error', sourceTopic: 'http', preview: 'this is not a flow log' });
  });

  it('accepts Amazon Data Firehose deliveries on the same port, authenticated by the Firehose key', async () => {
    const lines = '2 123456789012 eni-9 10.9.0.1 10.9.0.2 5000 443 6 3 300 1700000500 1700000510 ACCEPT OK\n2 123456789012 eni-9 10.9.0.2 10.9.0.1 443 5000 6 3 900 1700000500 1700000510 ACCEPT OK';
    const deliver = (key: string, requestId: string) => fetch(`${url}/v1/firehose`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'x-amz-firehose-protocol-version': '1.0',
        'x-amz-firehose-request-id': requestId, 'x-amz-firehose-access-key': key,
      },
      body: JSON.stringify({ requestId, timestamp: 1700000511000, records: [{ data: Buffer.from(lines).toString('base64') }] }),
    });
    // rows of the earlier cases may still be on their way to detect on a loaded machine: start
    // from a count that has stopped moving
    const detected = async () => (await getJson<{ records: number }>(`${url}/v1/detect/stats`)).records;
    let before = await detected();
    for (const settleBy = Date.now() + 15_000; Date.now() < settleBy;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await detected();
      if (now === before) break;
      before = now;
    }
    const wrong = await deliver('not-the-right-key-at-all', 'fh-1');
    expect(wrong.status).toBe(401);
    const ok = await deliver(FIREHOSE_KEY, 'fh-2');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ requestId: 'fh-2' });
    expect((await deliver(FIREHOSE_KEY, 'fh-2')).status).toBe(200); // a Firehose retry of an accepted request is not ingested twice
    const deadline = Date.now() + 15_000;
    let after = before;
    while (after < before + 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await detected();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await detected()).toBe(before + 2);
  }, 40_000);

  it('answers health, metrics and the topic registry on the same port without route clashes', async () => {
    expect((await getJson<{ status: string }>(`${url}/health/ready`)).status).toBe('ok');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/flowguard_ingest_records_total\{source="http",service="flowguard"\} \d+/);
    expect(metrics).toMatch(/flowguard_orchestrator_classifications_total\{outcome="created"/);
    const topics = await getJson<{ items: Array<{ name: string }> }>(`${url}/v1/topics`);
    expect(topics.items.map((t) => t.name)).toContain(Topics.incidents.name);
    const page = await fetch(`${url}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect(await page.text()).toContain('/v1/stream');
    const stats = await getJson<{ records: number }>(`${url}/v1/detect/stats`);
    expect(stats.records).toBeGreaterThan(300);
  });
});
