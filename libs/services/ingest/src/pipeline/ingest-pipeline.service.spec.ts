/**
 * The wiring of the ingest pipeline, through the service objects as the module
 * builds them (config from an environment, recording bus): every path's
 * batches are marked, filtered, enriched, published and stored, and the
 * counts reach the stats and Prometheus.
 */
import { Mark, Topics, type FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { FirehoseEndpointHandler } from '@flowguard/ingest-pipeline';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, type Harness } from '../testing/ingest.harness';

const dir = mkdtempSync(join(tmpdir(), 'fg-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const line = (src: string, dst: string, o: { sport?: number; dport?: number; packets?: number; bytes?: number; start?: number; action?: string } = {}) =>
  `2 123456789012 eni-0aa ${src} ${dst} ${o.sport ?? 40000} ${o.dport ?? 443} 6 ${o.packets ?? 10} ${o.bytes ?? 5000} ${o.start ?? 1700000000} ${(o.start ?? 1700000000) + 60} ${o.action ?? 'ACCEPT'} OK`;
const srcs = (h: Harness) => h.batches().flatMap((b) => Array.from({ length: b.length }, (_, i) => b.src(i)));
const allowList = (entries: unknown[]) => file(`allow-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(entries));
const backup = { id: 'backup', owner: 'ops', reason: 'nightly backup', match: { srcCidr: '10.66.0.0/24' } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the ingest pipeline', () => {
  it('drops allow-listed rows from detection and counts them per entry, per path and in Prometheus', async () => {
    h = await harness({ INGEST_ALLOW_LIST_FILE: allowList([backup]) });
    const r = await h.svc.ingestText([line('10.66.0.5', '10.1.1.1'), line('10.66.0.6', '10.1.1.1'), line('10.7.0.1', '10.1.1.1')].join('\n'), { requestId: 'a' });
    expect(r).toMatchObject({ records: 3, detection: 1, dropped: 2, batches: 1 });
    expect(srcs(h)).toEqual(['10.7.0.1']);
    const totals = h.pipeline.stats.totals();
    expect(totals).toMatchObject({ rowsIn: { http: 3 }, detectionRows: { http: 1 }, filter: { droppedFromDetection: { allow_list: 2 }, allowListHits: { backup: 2 } } });
    const text = (await h.metrics.render()).body;
    expect(text).toContain('flowguard_ingest_filter_dropped_rows_total{path="http",reason="allow_list",service="ingest"} 2');
    expect(text).toContain('flowguard_ingest_allow_list_hits_total{entry="backup",service="ingest"} 2');
    expect(text).toContain('flowguard_ingest_pipeline_input_rows_total{path="http",service="ingest"} 3');
    expect(text).toContain('flowguard_ingest_records_total{source="http",service="ingest"} 3');
  });

  it('marks threat-listed peers before the filter, so an AWS-endpoint row to a listed address is kept', async () => {
    const iocs = file('iocs.txt', '52.216.9.9 # exfil drop\n203.0.113.66\n');
    h = await harness({ INGEST_THREAT_LISTS: iocs });
    await h.svc.ingestText([line('10.7.0.1', '52.216.9.9'), line('10.7.0.2', '52.216.1.1'), line('10.7.0.3', '203.0.113.66')].join('\n'), { requestId: 't' });
    const b = h.batches()[0] as FlowBatch;
    expect(srcs(h)).toEqual(['10.7.0.1', '10.7.0.3']); // 52.216.1.1 is S3 (bundled ranges): dropped as aws_service
    expect((b.marks[0] as number) & Mark.DST_THREAT_LIST).toBeTruthy();
    expect(b.textValue('dst-threat-list', 0)).toBe('iocs.txt');
    expect(h.pipeline.stats.totals()).toMatchObject({ threatIntel: { rows: 2 }, filter: { droppedFromDetection: { aws_service: 1 } } });
  });

  it('enriches detection rows with the country of public peers (bundled MMDB) and marks them ENRICHED', async () => {
    h = await harness({ INGEST_GEO: 'true' });
    await h.svc.ingestText([line('10.7.0.1', '8.8.8.8'), line('10.7.0.2', '10.1.1.1')].join('\n'), { requestId: 'g' });
    const b = h.batches()[0] as FlowBatch;
    expect(b.textValue('dst-country', 0)).toBe('US');
    expect((b.marks[0] as number) & Mark.ENRICHED).toBeTruthy();
    expect((b.marks[1] as number) & Mark.ENRICHED).toBeTruthy();
    expect(h.pipeline.stats.totals().enrichment).toMatchObject({ rows: 2, enriched: 2, degraded: 0, geo: { hits: 1 } });
    expect(h.pipeline.summary()).toMatchObject({ enrichment: { sources: ['geo'], geoAttribution: expect.stringContaining('CC BY 4.0') } });
  });

  it('adds the autonomous system with geo (a range table in the bundled format), counted and attributed', async () => {
    // 8.8.8.0/24 only: the bundled table takes ~2 s to load, too slow for a unit spec (its lookups are checked in ingest-adapters)
    const v4 = file('asn-v4.csv', '134744064,134744319,15169,Google LLC\n');
    const v6 = file('asn-v6.csv', '');
    h = await harness({ INGEST_GEO: 'true', INGEST_ASN: 'true', INGEST_ASN_IPV4_CSV: v4, INGEST_ASN_IPV6_CSV: v6 });
    await h.svc.ingestText([line('10.7.0.1', '8.8.8.8'), line('10.7.0.2', '1.1.1.1')].join('\n'), { requestId: 'asn' });
    const b = h.batches()[0] as FlowBatch;
    expect([b.textValue('dst-asn', 0), b.textValue('dst-as-org', 0), b.textValue('dst-country', 0)]).toEqual(['15169', 'Google LLC', 'US']);
    expect(b.textValue('dst-asn', 1) ?? '').toBe(''); // no range for 1.1.1.1 in this table
    expect(h.pipeline.stats.totals().enrichment).toMatchObject({ rows: 2, enriched: 2, degraded: 0, asn: { hits: 1 } });
    expect(h.pipeline.summary()).toMatchObject({ enrichment: { sources: ['geo', 'asn'], asnAttribution: expect.stringContaining('RouteViews') } });
    expect((await h.metrics.render()).body).toContain('flowguard_ingest_enrich_lookups_total{source="asn",outcome="hit",service="ingest"} 1');
  });

  it('health checks from LB addresses: marked in mark mode, dropped in drop mode', async () => {
    const rows = [line('10.0.5.10', '10.1.1.1', { sport: 40000, dport: 8080, packets: 4, bytes: 300 }), line('10.9.9.9', '10.1.1.1')].join('\n');
    h = await harness({ INGEST_LB_CIDRS: '10.0.5.0/24', INGEST_HEALTH_CHECK_PORTS: '8080' });
    await h.svc.ingestText(rows, { requestId: 'm' });
    expect(((h.batches()[0] as FlowBatch).marks[0] as number) & Mark.HEALTH_CHECK).toBeTruthy();
    expect(h.pipeline.stats.totals().filter.marked.healthCheck).toBe(1);
    await h.close();
    h = await harness({ INGEST_LB_CIDRS: '10.0.5.0/24', INGEST_HEALTH_CHECK_PORTS: '8080', INGEST_HEALTH_CHECK_MODE: 'drop' });
    expect(await h.svc.ingestText(rows, { requestId: 'd' })).toMatchObject({ detection: 1, dropped: 1 });
    expect(h.pipeline.stats.totals().filter.droppedFromDetection).toEqual({ health_check_lb: 1 });
  });

  it('with INGEST_FILTER=false every row goes to detection', async () => {
    h = await harness({ INGEST_FILTER: 'false', INGEST_ALLOW_LIST_FILE: allowList([backup]) });
    expect(await h.svc.ingestText(line('10.66.0.5', '52.216.1.1'), { requestId: 'off' })).toMatchObject({ detection: 1, dropped: 0 });
    expect(h.pipeline.summary()['filter']).toBeNull();
  });

  it('is the sink of the Firehose path too (one pipeline for every delivery path)', async () => {
    h = await harness({ INGEST_ALLOW_LIST_FILE: allowList([backup]) });
    const handler = new FirehoseEndpointHandler({
      accessKeys: [], allowUnauthenticated: true, parse: parseFlowLogText, sink: h.sinks.sink, deadLetter: h.sinks.deadLetter, metrics: h.sinks.metrics,
    });
    const data = Buffer.from([line('10.66.0.5', '10.1.1.1'), line('10.7.0.9', '10.1.1.1')].join('\n')).toString('base64');
    const res = await handler.handle({
      method: 'POST', headers: { 'content-type': 'application/json', 'x-amz-firehose-request-id': 'fh-1' },
      body: Buffer.from(JSON.stringify({ requestId: 'fh-1', timestamp: 1, records: [{ data }] })),
    });
    expect(res.status).toBe(200);
    expect(srcs(h)).toEqual(['10.7.0.9']);
    expect(h.pipeline.stats.totals()).toMatchObject({ rowsIn: { firehose: 2 }, detectionRows: { firehose: 1 } });
    expect((await h.metrics.render()).body).toContain('flowguard_ingest_filter_dropped_rows_total{path="firehose",reason="allow_list",service="ingest"} 1');
  });

  it('does not answer before the publish resolved: a failing publish fails the request (and Firehose gets 503)', async () => {
    h = await harness();
    h.state.fail = new Error('broker down');
    await expect(h.svc.ingestText(line('10.7.0.1', '10.1.1.1'), { requestId: 'x' })).rejects.toThrow(/broker down/);
    const handler = new FirehoseEndpointHandler({ accessKeys: [], allowUnauthenticated: true, parse: parseFlowLogText, sink: h.sinks.sink, deadLetter: h.sinks.deadLetter });
    const res = await handler.handle({
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ requestId: 'fh-2', timestamp: 1, records: [{ data: Buffer.from(line('10.7.0.1', '10.1.1.1')).toString('base64') }] })),
    });
    expect(res.status).toBe(503);
  });

  it('reloads a changed allow-list file, and keeps the entries in force when the new file is bad', async () => {
    const path = allowList([backup]);
    h = await harness({ INGEST_ALLOW_LIST_FILE: path });
    writeFileSync(path, JSON.stringify([backup, { ...backup, id: 'scanner', match: { srcCidr: '10.7.0.0/24' } }]));
    h.pipeline.reloadFiles();
    expect(await h.svc.ingestText(line('10.7.0.1', '10.1.1.1'), { requestId: 'r1' })).toMatchObject({ detection: 0, dropped: 1 });
    writeFileSync(path, '[{"id": "x"');
    h.pipeline.reloadFiles();
    expect(await h.svc.ingestText(line('10.7.0.2', '10.1.1.1'), { requestId: 'r2' })).toMatchObject({ detection: 0, dropped: 1 });
    expect(h.pipeline.summary()).toMatchObject({ filter: { allowList: { entries: 2, error: expect.stringMatching(/not JSON/) } } });
    expect((await h.metrics.render()).body).toContain('flowguard_ingest_reload_failures_total{what="allow-list",service="ingest"} 1');
  });

  it('loads ip-ranges from a file at boot, and from a URL in the background (bundled meanwhile), rebuilding the filter', async () => {
    const ranges = (prefix: string, token: string) => JSON.stringify({ syncToken: token, createDate: '2026-11-21-00-00-00', prefixes: [{ ip_prefix: prefix, service: 'DYNAMODB', region: 'eu-west-1' }] });
    h = await harness({ INGEST_IP_RANGES: file('ranges.json', ranges('198.51.100.0/24', '100')) });
    expect(await h.svc.ingestText(line('10.7.0.1', '198.51.100.7'), { requestId: 'f' })).toMatchObject({ dropped: 1 });
    expect(h.pipeline.summary()).toMatchObject({ filter: { ipRanges: { origin: 'file', syncToken: '100', prefixes: 1 } } });
    await h.close();

    let served = ranges('192.0.2.0/24', '200');
    const server: Server = createServer((_q, res) => res.end(served));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      h = await harness({ INGEST_IP_RANGES: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip-ranges.json` });
      const deadline = Date.now() + 5000;
      while ((h.pipeline.summary() as { filter: { ipRanges: { origin: string } } }).filter.ipRanges.origin !== 'url' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(h.pipeline.summary()).toMatchObject({ filter: { ipRanges: { origin: 'url', syncToken: '200' } } });
      expect(await h.svc.ingestText(line('10.7.0.1', '192.0.2.9'), { requestId: 'u' })).toMatchObject({ dropped: 1 });
      served = 'not json';
    } finally {
      server.close();
    }
  });

  it('publishes with the delivery path\'s partition key and stores the storage rows (Parquet), answering history', async () => {
    h = await harness({ FLOWS_PARQUET: 'true', FLOWS_DIR: join(dir, 'flows'), INGEST_STORAGE_SAMPLE_RATE: '0' });
    const parsed = parseFlowLogText([line('10.7.0.1', '10.1.1.1', { start: 1700000100 }), line('10.7.0.2', '52.216.1.1', { start: 1700000200 })].join('\n'));
    const out = await h.sinks.run(parsed.batch, { source: 'kinesis', position: 'kinesis:s/shard-1@9', key: 'shardId-000000000001' });
    expect(out).toEqual({ detection: 1, storage: 1 }); // the S3 row: out of detection, sampled out of storage at rate 0
    expect(h.published.find((p) => p.topic === Topics.flowsEnriched.name)?.key).toBe('shardId-000000000001');
    const page = await h.storage.query({ cidr: '10.7.0.0/24', from: '1700000000', to: '1700003600' });
    expect(page.backend).toBe('parquet');
    expect(page.records.map((r) => r.srcAddr)).toEqual(['10.7.0.1']);
    expect(h.storage.summary()).toMatchObject({ parquet: { rowsCommitted: 1, filesCommitted: 1 }, history: 'parquet' });
  });
});
