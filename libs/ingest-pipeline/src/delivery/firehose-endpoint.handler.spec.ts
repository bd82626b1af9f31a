import { gzipSync } from 'node:zlib';
import { DeadLetterV1, recordAt, validateMessage, type FlowBatch } from '@flowguard/contracts';
import { CountingMetrics, type BatchContext } from '../ports/ingest.port';
import { parseFlowLogText } from '@flowguard/flowlog';
import { cwlPayload } from '../testing/cwl.fixtures';
import { FirehoseEndpointHandler, type FirehoseEndpointOptions, type FirehoseHttpRequest } from './firehose-endpoint.handler';

const LINE = (i: number) => `2 123456789012 eni-1 10.0.0.${i} 10.0.1.1 443 ${40000 + i} 6 10 840 1700000000 1700000060 ACCEPT OK`;
const KEY = 'secret-key-123';

function setup(over: Partial<FirehoseEndpointOptions> = {}) {
  const published: Array<{ batch: FlowBatch; ctx: BatchContext }> = [];
  const dead: DeadLetterV1[] = [];
  const metrics = new CountingMetrics();
  const handler = new FirehoseEndpointHandler({
    accessKeys: [KEY], parse: (text) => parseFlowLogText(text), metrics, now: () => 1_700_000_000_000,
    sink: async (batch, ctx) => void published.push({ batch, ctx }),
    deadLetter: async (r) => void dead.push(...r),
    ...over,
  });
  return { handler, published, dead, metrics };
}

function request(records: Array<string | Buffer>, o: { id?: string; key?: string | null; gzip?: boolean; headers?: Record<string, string> } = {}): FirehoseHttpRequest {
  const id = o.id ?? 'req-1';
  const body = Buffer.from(JSON.stringify({ requestId: id, timestamp: 1, records: records.map((r) => ({ data: Buffer.from(r).toString('base64') })) }));
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json', 'x-amz-firehose-request-id': id, 'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-source-arn': 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/flows',
      ...(o.key === null ? {} : { 'x-amz-firehose-access-key': o.key ?? KEY }),
      ...(o.gzip ? { 'content-encoding': 'gzip' } : {}), ...(o.headers ?? {}),
    },
    body: o.gzip ? gzipSync(body) : body,
  };
}

describe('FirehoseEndpointHandler', () => {
  it('accepts plain lines and subscription payloads, answers 200 echoing the request id only after the sink resolved', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { handler, published } = setup({ sink: async (batch, ctx) => { await gate; published.push({ batch, ctx }); } });
    let settled = false;
    const pending = handler.handle(request([`${LINE(1)}\n${LINE(2)}`, cwlPayload([LINE(3)])])).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled).toBe(false);
    release();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ requestId: 'req-1', timestamp: 1_700_000_000_000 });
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.body)));
    expect(published).toHaveLength(1);
    expect(published[0]!.batch.length).toBe(3);
    expect(recordAt(published[0]!.batch, 2).srcAddr).toBe('10.0.0.3');
    expect(published[0]!.ctx).toMatchObject({ source: 'firehose', position: 'firehose:req-1' });
  });

  it('drops CONTROL_MESSAGE records and counts them', async () => {
    const { handler, published, metrics } = setup();
    const res = await handler.handle(request([cwlPayload([], 'CONTROL_MESSAGE'), LINE(1)]));
    expect(res.status).toBe(200);
    expect(published[0]!.batch.length).toBe(1);
    expect(metrics.get('ingest_cwl_control_messages_total{path=firehose}')).toBe(1);
  });

  it('handles gzip Content-Encoding', async () => {
    const { handler, published } = setup();
    expect((await handler.handle(request([LINE(1)], { gzip: true }))).status).toBe(200);
    expect(published[0]!.batch.length).toBe(1);
  });

  it('rejects a missing or wrong access key with 401 and publishes nothing', async () => {
    const { handler, published } = setup();
    const bad = await handler.handle(request([LINE(1)], { key: 'secret-key-124' }));
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ requestId: 'req-1', errorMessage: expect.stringContaining('Access-Key') });
    expect((await handler.handle(request([LINE(1)], { key: null }))).status).toBe(401);
    expect(published).toHaveLength(0);
  });

  it('accepts any of several keys during rotation', async () => {
    const { handler } = setup({ accessKeys: ['old-key', KEY] });
    expect((await handler.handle(request([LINE(1)], { key: 'old-key' }))).status).toBe(200);
    expect((await handler.handle(request([LINE(1)], { id: 'req-2' }))).status).toBe(200);
  });

  it('refuses to start without a key unless explicitly unauthenticated', () => {
    expect(() => setup({ accessKeys: [] })).toThrow(/access key/);
    expect(() => setup({ accessKeys: [], allowUnauthenticated: true })).not.toThrow();
  });

  it('acknowledges a retried request id without publishing again, also while the first attempt is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const calls: number[] = [];
    const { handler, metrics } = setup({ sink: async (b) => { calls.push(b.length); await gate; } });
    const first = handler.handle(request([LINE(1)]));
    const concurrent = handler.handle(request([LINE(1)]));
    release();
    expect((await first).status).toBe(200);
    expect((await concurrent).status).toBe(200);
    expect((await handler.handle(request([LINE(1)]))).status).toBe(200);
    expect(calls).toEqual([1]);
    expect(metrics.get('firehose_requests_total{outcome=duplicate}')).toBe(1);
    expect(metrics.get('firehose_requests_total{outcome=concurrent_retry}')).toBe(1);
  });

  it('a failing request-id store costs at most a duplicate, never an acknowledgement or the data', async () => {
    let failing = true;
    const ids = new Set<string>();
    const { handler, published, metrics } = setup({
      acceptedIds: {
        has: async (id) => { if (failing) throw new Error('store down'); return ids.has(id); },
        add: async (id) => { if (failing) throw new Error('store down'); ids.add(id); },
      },
    });
    expect((await handler.handle(request([LINE(1)], { id: 'a' }))).status).toBe(200);
    expect((await handler.handle(request([LINE(1)], { id: 'a' }))).status).toBe(200);
    expect(published).toHaveLength(2); // the retry could not be recognised: ingested again
    expect(metrics.get('firehose_request_id_store_errors_total{op=has}')).toBe(2);
    expect(metrics.get('firehose_request_id_store_errors_total{op=add}')).toBe(2);
    failing = false;
    expect((await handler.handle(request([LINE(1)], { id: 'b' }))).status).toBe(200);
    expect((await handler.handle(request([LINE(1)], { id: 'b' }))).status).toBe(200);
    expect(published).toHaveLength(3);
  });

  it('answers 503 when the sink fails, and ingests the retry', async () => {
    let fail = true;
    const published: number[] = [];
    const { handler } = setup({ sink: async (b) => { if (fail) throw new Error('broker down'); published.push(b.length); } });
    const res = await handler.handle(request([LINE(1)]));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).errorMessage).toMatch(/broker down/);
    fail = false;
    expect((await handler.handle(request([LINE(1)]))).status).toBe(200);
    expect(published).toEqual([1]);
  });

  it('answers 503 when dead letters cannot be persisted (bad lines are never silently lost)', async () => {
    const { handler } = setup({ deadLetter: async () => { throw new Error('dlq down'); } });
    expect((await handler.handle(request(['garbage line']))).status).toBe(503);
  });

  it('enforces the record-count and record-size limits with 413', async () => {
    const { handler } = setup({ limits: { maxRecords: 3, maxRecordBytes: 100 } });
    expect((await handler.handle(request([LINE(1), LINE(2), LINE(3), LINE(4)]))).status).toBe(413);
    expect((await handler.handle(request(['x'.repeat(101)], { id: 'r2' }))).status).toBe(413);
    expect((await handler.handle(request(['x'.repeat(100)], { id: 'r3' }))).status).toBe(200);
  });

  it('defaults to the documented limits: 10,000 records, 1,024,000 bytes each', async () => {
    const { handler } = setup();
    const many = Array.from({ length: 10_001 }, () => 'x');
    expect((await handler.handle(request(many))).status).toBe(413);
    expect((await handler.handle(request([Buffer.alloc(1_024_001, 0x41)], { id: 'big' }))).status).toBe(413);
  });

  it('refuses an oversized body and a gzip bomb with 413', async () => {
    const { handler } = setup({ limits: { maxBodyBytes: 1000, maxInflatedBytes: 10_000 } });
    expect((await handler.handle(request(['y'.repeat(2000)]))).status).toBe(413);
    const bomb = gzipSync(Buffer.from(JSON.stringify({ requestId: 'req-1', records: [{ data: Buffer.alloc(20_000, 0x41).toString('base64') }] })));
    expect(bomb.length).toBeLessThan(1000);
    const r = await handler.handle({ ...request([]), body: bomb, headers: { ...request([]).headers, 'content-encoding': 'gzip' } });
    expect(r.status).toBe(413);
  });

  it('answers 400 with an errorMessage on malformed input', async () => {
    const { handler } = setup();
    const base = request([LINE(1)]);
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from('{"requestId":"req-1", records:'), /malformed JSON/],
      [Buffer.from('[]'), /JSON object/],
      [Buffer.from('{"requestId":"req-1","records":[]}'), /empty/],
      [Buffer.from('{"requestId":"req-1","records":{}}'), /array/],
      [Buffer.from('{"requestId":"req-1","records":[{"data":7}]}'), /base64 string/],
      [Buffer.from('{"requestId":"req-1","records":[{"data":"%%%="}]}'), /not valid base64/],
      [Buffer.from('{"requestId":"other","records":[{"data":"QQ=="}]}'), /does not match/],
    ];
    for (const [body, msg] of cases) {
      const r = await handler.handle({ ...base, body });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ requestId: 'req-1', errorMessage: expect.stringMatching(msg) });
    }
    const notGzip = await handler.handle({ ...base, headers: { ...base.headers, 'content-encoding': 'gzip' } });
    expect(notGzip.status).toBe(400);
    expect((await handler.handle({ ...base, method: 'GET' })).status).toBe(405);
    expect((await handler.handle({ ...base, headers: { ...base.headers, 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('dead-letters unparseable lines and undecodable records with positions, and still ingests the good ones', async () => {
    const { handler, published, dead, metrics } = setup();
    const res = await handler.handle(request([`${LINE(1)}\nnot a flow line`, Buffer.from([0x1f, 0x8b, 0, 0]), LINE(2)]));
    expect(res.status).toBe(200);
    expect(published[0]!.batch.length).toBe(2);
    expect(dead.map((d) => [d.reason, d.position])).toEqual([
      ['gzip_error', 'firehose:req-1#1'],
      ['parse_error', 'firehose:req-1#0 line 2'],
    ]);
    expect(Buffer.from(dead[1]!.payload, 'base64').toString()).toBe('not a flow line');
    for (const d of dead) expect(validateMessage(DeadLetterV1, d).ok).toBe(true);
    expect(metrics.get('ingest_parse_errors_total{path=firehose}')).toBe(1);
    expect(metrics.get('ingest_bad_records_total{path=firehose}')).toBe(1);
  });
});
