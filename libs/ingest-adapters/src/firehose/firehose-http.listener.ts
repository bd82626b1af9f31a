/**
 * node:http binding of the framework-free Firehose handler: reads the raw body
 * (bounded), calls the handler, writes its answer verbatim. Used by the
 * standalone ingest server and the specs; the Nest service may use it as an
 * express middleware on its route (it has the same (req, res) signature).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FIREHOSE_LIMITS, type FirehoseEndpointHandler } from '@flowguard/ingest-pipeline';

export interface FirehoseListenerOptions {
  /** stop reading beyond this many body bytes and answer 413 (default: the handler's default) */
  readonly maxBodyBytes?: number;
}

function reply(res: ServerResponse, status: number, requestId: string, errorMessage: string): void {
  const body = JSON.stringify({ requestId, timestamp: Date.now(), errorMessage });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function firehoseRequestListener(handler: FirehoseEndpointHandler, o: FirehoseListenerOptions = {}) {
  const max = o.maxBodyBytes ?? FIREHOSE_LIMITS.maxBodyBytes;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const rid = String(req.headers['x-amz-firehose-request-id'] ?? '');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > max) {
      reply(res, 413, rid, `body of ${declared} bytes exceeds ${max}`);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      if (aborted) return;
      size += c.length;
      if (size > max) {
        aborted = true;
        chunks.length = 0;
        reply(res, 413, rid, `body exceeds ${max} bytes`);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      aborted = true;
    });
    req.on('end', () => {
      if (aborted) return;
      handler
        .handle({ method: req.method ?? 'GET', headers: req.headers, body: Buffer.concat(chunks, size) })
        .then((r) => {
          res.writeHead(r.status, r.headers);
          res.end(r.body);
        })
        .catch((e: unknown) => reply(res, 500, rid, `internal error: ${(e as Error).message}`));
    });
  };
}
