import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IpRangesSource } from './ip-ranges.fetcher';

const doc = (token: string, prefix: string) => JSON.stringify({ syncToken: token, createDate: '2026-11-01-00-00-00', prefixes: [{ ip_prefix: prefix, service: 'S3' }], ipv6_prefixes: [] });

describe('IpRangesSource', () => {
  let server: Server;
  let url: string;
  let body = doc('200', '52.216.0.0/15');
  let status = 200;
  beforeAll(async () => {
    server = createServer((_, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip-ranges.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('loads from a URL, keeps the last good copy on failure or an older file, else falls back to the bundled snapshot', async () => {
    const src = new IpRangesSource({ location: url });
    const first = await src.load();
    expect(first.origin).toBe('url');
    expect(first.ranges.services('52.217.0.1')).toEqual(['S3']);
    status = 500;
    expect(await src.load()).toMatchObject({ origin: 'previous', error: expect.stringMatching(/HTTP 500/) });
    status = 200;
    body = doc('100', '3.5.0.0/19');
    expect(await src.load()).toMatchObject({ origin: 'previous', error: expect.stringMatching(/older/) });
    body = '{"prefixes": 3}';
    const fresh = new IpRangesSource({ location: url });
    const fb = await fresh.load();
    expect(fb.origin).toBe('bundled');
    expect(fb.error).toMatch(/arrays/);
    expect(fb.ranges.services('107.23.255.1')).toEqual(['ROUTE53_HEALTHCHECKS']);
  });
});
