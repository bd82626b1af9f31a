/**
 * TEST ONLY: an HTTP proxy in front of the real local OpenSearch that does what
 * Amazon OpenSearch Service does with IAM auth: it checks every request's AWS
 * Signature V4 and answers 403 unless the signature (recomputed independently
 * with @smithy/signature-v4, not with the signer under test), the payload hash,
 * the service and the region are right. Verified requests are forwarded.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, request as forward, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): Buffer =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

class NodeSha256 {
  private h: Hash | Hmac;
  private readonly secret: Buffer | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.h = this.fresh();
  }
  update(data: Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

export interface SigV4Proxy {
  readonly url: string;
  readonly verified: number;
  readonly rejected: string[];
  close(): Promise<void>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export async function startSigV4Proxy(o: {
  target: string; region: string; service: string; credentials: { accessKeyId: string; secretAccessKey: string };
}): Promise<SigV4Proxy> {
  const target = new URL(o.target);
  const state = { verified: 0, rejected: [] as string[] };
  const check = async (req: IncomingMessage, body: Buffer): Promise<string | null> => {
    const m = AUTH.exec(String(req.headers['authorization'] ?? ''));
    if (!m) return 'no SigV4 Authorization header';
    const [, keyId, , region, service, signedHeaders, signature] = m as unknown as string[];
    if (keyId !== o.credentials.accessKeyId) return `unknown access key ${keyId}`;
    if (region !== o.region || service !== o.service) return `wrong scope ${region}/${service}`;
    const payloadHash = createHash('sha256').update(body).digest('hex');
    if (req.headers['x-amz-content-sha256'] !== payloadHash) return 'x-amz-content-sha256 does not match the body';
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!d) return 'no x-amz-date';
    const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
    if (Math.abs(signingDate.getTime() - Date.now()) > 5 * 60_000) return 'request time too skewed';
    const url = new URL(req.url ?? '/', 'http://x');
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const headers: Record<string, string> = {};
    for (const h of (signedHeaders as string).split(';')) headers[h] = String(req.headers[h] ?? '');
    const signer = new SignatureV4({ credentials: o.credentials, region: o.region, service: o.service, sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
    const signed = await signer.sign(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: headers['host'] ?? '', path: url.pathname, query, headers, body },
      { signingDate, signableHeaders: new Set(Object.keys(headers)) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization'] ?? ''))?.[1];
    return expected === signature ? null : 'signature does not match';
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      check(req, body).then((problem) => {
        if (problem) {
          state.rejected.push(problem);
          res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: problem }));
          return;
        }
        state.verified++;
        const headers = { ...req.headers, host: target.host };
        delete headers['authorization'];
        const up = forward({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        up.on('error', (e) => res.writeHead(502).end(String(e)));
        up.end(body);
      }, (e) => res.writeHead(500).end(String(e)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get verified() {
      return state.verified;
    },
    rejected: state.rejected,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
