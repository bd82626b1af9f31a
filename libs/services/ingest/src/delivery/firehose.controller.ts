import { Controller, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { parseFlowLogText } from '@flowguard/flowlog';
import { FirehoseEndpointHandler } from '@flowguard/ingest-pipeline';
import { CLOCK, Public, type HttpRequest, type HttpResponse } from '@flowguard/service-kit';
import type { ServerResponse } from 'node:http';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { DeliveryState } from './delivery-state';
import { IngestSinks } from './ingest-sinks';

/** Largest Firehose request body read (Firehose buffers at most 64 MiB of data, base64 and JSON around it). */
const MAX_BODY_BYTES = 96 * 1024 * 1024;

/**
 * `POST /v1/firehose` — the Amazon Data Firehose HTTP-endpoint destination.
 * Firehose authenticates with its own access key (X-Amz-Firehose-Access-Key,
 * compared in constant time), so the route is public to the API-token guard.
 * The kit's JSON body parser leaves Firehose requests alone (they carry
 * X-Amz-Firehose-Protocol-Version), so the raw, possibly gzipped body reaches
 * the handler; it answers 200 only after the records were published.
 */
@Public()
@Controller('v1/firehose')
export class FirehoseController {
  private readonly handler?: FirehoseEndpointHandler;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig, sinks: IngestSinks, @Inject(CLOCK) clock: () => number, state: DeliveryState) {
    const f = config.firehose;
    if (f) {
      this.handler = new FirehoseEndpointHandler({
        // durable (file or DynamoDB): a retry after an ingest restart is still recognised
        acceptedIds: { has: async (id) => (await state.acceptedIds()).has(id), add: async (id) => (await state.acceptedIds()).add(id) },
        accessKeys: f.accessKeys, allowUnauthenticated: f.allowUnauthenticated, parse: parseFlowLogText,
        ...(f.format ? { format: f.format } : {}),
        sink: sinks.sink, deadLetter: sinks.deadLetter, metrics: sinks.metrics, now: clock,
      });
    }
  }

  @Post()
  async receive(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    if (!this.handler) throw new NotFoundException('the Firehose endpoint is off: set INGEST_FIREHOSE_ACCESS_KEYS');
    const body = await readBody(req, MAX_BODY_BYTES);
    const out = body === null
      ? { status: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestId: String(req.headers['x-amz-firehose-request-id'] ?? ''), timestamp: Date.now(), errorMessage: `body exceeds ${MAX_BODY_BYTES} bytes` }) }
      : await this.handler.handle({ method: req.method ?? 'POST', headers: req.headers, body });
    (res as ServerResponse).writeHead(out.status, out.headers);
    res.end(out.body);
  }
}

/** The raw body, or null when it exceeds `max` bytes (the rest is drained, not buffered). */
function readBody(req: HttpRequest, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
