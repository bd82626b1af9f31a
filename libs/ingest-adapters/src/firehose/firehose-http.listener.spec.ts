/**
 * The Firehose contract over real HTTP (a loopback node:http server): gzip,
 * bad key, duplicate request id, oversize, malformed JSON, subscription payloads.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { DeadLetterV1, FlowBatch } from '@flowguard/contracts';
import { FirehoseEndpointHandler } from '@flowguard/ingest-pipeline';
import { cwlPayload as cwlPayloadForTests } from '@flowguard/ingest-pipeline';
import { parseFlowLogText } from '@flowguard/flowlog';
import { firehoseRequestListener } from './firehose-http.listener';

const KEY = 'k3y-+/=-secret';
const LINE = (i: number) => `2 123456789012 eni-9 10.1.0.${i} 52.95.110.1 ${40000 + i} 443 6 5 500 1700000000 1700000060 ACCEPT OK`;

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; json: Record<string, unknown> }

function post(port: number, body: Buffer, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/firehose', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function firehoseBody(id: string, records: Array<string | Buffer>): Buffer {
  return Buffer.from(JSON.stringify({ requestId: id, timestamp: Date.now(), records: records.map((r) => ({ data: Buffer.from(r).toString('base64') })) }));
}

const headersFor = (id: string, extra: Record<string, string> = {}) => ({
  'x-amz-firehose-request-id': id, 'x-amz-firehose-access-key': KEY, 'x-amz-firehose-protocol-version': '1.0', ...extra,
});

describe('Firehose HTTP endpoint over real HTTP', () => {
  let server: Server;
  let port: number;
  const published: FlowBatch[] = [];
  const dead: DeadLetterV1[] = [];

  beforeAll(async () => {
    const handler = new FirehoseEndpointHandler({
      accessKeys: [KEY], parse: (text) => parseFlowLogText(text), limits: { maxRecords: 50, maxRecordBytes: 4096 },
      sink: async (b) => void published.push(b), deadLetter: async (d) => void dead.push(...d),
    });
    server = createServer(firehoseRequestListener(handler, { maxBodyBytes: 256 * 1024 }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    published.length = 0;
    dead.length = 0;
  });

  it('ingests a gzip body mixing plain lines and a subscription payload, echoing the request id with Content-Length', async () => {
    const body = gzipSync(firehoseBody('a-1', [LINE(1), cwlPayloadForTests([LINE(2), LINE(3)]), cwlPayloadForTests([], 'CONTROL_MESSAGE')]));
    const r = await post(port, body, headersFor('a-1', { 'content-encoding': 'gzip' }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ requestId: 'a-1', timestamp: expect.any(Number) });
    expect(r.headers['content-type']).toBe('application/json');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(0);
    expect(published.map((b) => b.length)).toEqual([3]);
  });

  it('rejects a bad access key with 401', async () => {
    const r = await post(port, firehoseBody('a-2', [LINE(1)]), headersFor('a-2', { 'x-amz-firehose-access-key': 'k3y-+/=-secreT' }));
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ requestId: 'a-2', errorMessage: expect.any(String) });
    expect(published).toHaveLength(0);
  });

  it('acknowledges a retried request id without publishing it twice', async () => {
    const body = firehoseBody('a-3', [LINE(1), LINE(2)]);
    expect((await post(port, body, headersFor('a-3'))).status).toBe(200);
    expect((await post(port, body, headersFor('a-3'))).status).toBe(200);
    expect(published.map((b) => b.length)).toEqual([2]);
  });

  it('answers 413 for an oversized body, too many records and an oversized record', async () => {
    const huge = firehoseBody('a-4', [Buffer.alloc(200 * 1024, 0x41)]);
    expect((await post(port, huge, headersFor('a-4'))).status).toBe(413);
    const many = firehoseBody('a-5', Array.from({ length: 51 }, (_, i) => LINE(i)));
    expect((await post(port, many, headersFor('a-5'))).status).toBe(413);
    const big = firehoseBody('a-6', [Buffer.alloc(4097, 0x41)]);
    expect((await post(port, big, headersFor('a-6'))).status).toBe(413);
    expect(published).toHaveLength(0);
  });

  it('answers 400 with errorMessage on malformed JSON', async () => {
    const r = await post(port, Buffer.from('{"requestId":"a-7","records":[{"data":'), headersFor('a-7'));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ requestId: 'a-7', errorMessage: expect.stringMatching(/malformed JSON/) });
  });

  it('dead-letters an unparseable line and still acknowledges the rest', async () => {
    const r = await post(port, firehoseBody('a-8', [`${LINE(1)}\nbroken`]), headersFor('a-8'));
    expect(r.status).toBe(200);
    expect(published.map((b) => b.length)).toEqual([1]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'parse_error', position: 'firehose:a-8#0 line 2' });
  });
});
