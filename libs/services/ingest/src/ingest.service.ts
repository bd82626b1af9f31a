import { BadRequestException, ForbiddenException, Inject, Injectable, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { Consumers, deadLetterTopic, type DeadLetterV1 } from '@flowguard/contracts';
import { addCounts, compileFormat, emptyCounts, FlowLogParser, FormatError, type ParseResult } from '@flowguard/flowlog';
import { ingestDeadLetter } from '@flowguard/ingest-pipeline';
import type { Bus } from '@flowguard/messaging';
import { BUS, CLOCK, LOGGER, MetricsService } from '@flowguard/service-kit';
import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import { IngestSinks } from './delivery/ingest-sinks';
import { INGEST_CONFIG, type IngestConfig } from './ingest.config';
import type { IngestResult } from './ingest.dto';

type Source = 'http' | 'file';

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Turns flow-log text (`POST /v1/flows`, `POST /v1/flows/file`) into parsed
 * batches for the ingest pipeline (filter, enrichment, flows.enriched, flow
 * storage: {@link IngestSinks}) and bad lines into dead letters (reason
 * parse_error, position `<source>:<id>:<line>`). Parsing streams: memory stays
 * bounded by the batch size, not the input size. The answer is sent after
 * every batch was published.
 */
@Injectable()
export class IngestService {
  private readonly log: Logger;
  private readonly dlq = deadLetterTopic(Consumers.ingestRaw);

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(CLOCK) private readonly clock: () => number,
    @Inject(LOGGER) logger: Logger,
    private readonly metrics: MetricsService,
    private readonly sinks: IngestSinks,
  ) {
    this.log = logger.child({ component: 'ingest' });
  }

  /** Parse and publish a text body (`POST /v1/flows`). */
  async ingestText(text: string, o: { readonly requestId: string; readonly format?: string }): Promise<IngestResult> {
    const run = this.start('http', `http:${o.requestId}`, o.requestId, o.format);
    await run.consume(run.parser.push(text));
    await run.consume([run.parser.end()]);
    return run.finish();
  }

  /**
   * Stream a local file (`POST /v1/flows/file`), only inside INGEST_FILE_ROOTS.
   * Plain text or gzip (recognised by its magic bytes, as S3 delivers flow logs).
   */
  async ingestFile(path: string, o: { readonly requestId: string; readonly format?: string }): Promise<IngestResult & { readonly path: string }> {
    const real = await this.allowedPath(path);
    const run = this.start('file', `file:${real}`, o.requestId, o.format);
    const file = createReadStream(real, { highWaterMark: 1024 * 1024 });
    const input = (await isGzip(real)) ? file.pipe(createGunzip()) : file;
    try {
      for await (const chunk of input) await run.consume(run.parser.push(chunk as Buffer));
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('Z_')) throw e;
      file.destroy();
      // what came before the damage is published; say so rather than pretend nothing happened
      const r = run.finish();
      throw new BadRequestException(`${path}: corrupt gzip (${code}) after ${r.lines} lines; ${r.records} records before it were published`);
    }
    await run.consume([run.parser.end()]);
    return { ...run.finish(), path: real };
  }

  private async allowedPath(path: string): Promise<string> {
    if (this.config.fileRoots.length === 0) {
      throw new ForbiddenException('reading server-side files is disabled; set INGEST_FILE_ROOTS to the directories it may read');
    }
    let real: string;
    try {
      real = await realpath(resolve(path));
    } catch {
      throw new NotFoundException(`no such file: ${path}`);
    }
    const roots = await Promise.all(this.config.fileRoots.map((r) => realpath(resolve(r)).catch(() => null)));
    const inside = roots.some((root) => {
      if (!root) return false;
      const rel = relative(root, real);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
    if (!inside) throw new ForbiddenException(`${path} is outside INGEST_FILE_ROOTS`);
    const st = await stat(real);
    if (!st.isFile()) throw new BadRequestException(`${path} is not a regular file`);
    if (st.size > this.config.maxFileBytes) throw new PayloadTooLargeException(`${path} has ${st.size} bytes; INGEST_MAX_FILE_BYTES is ${this.config.maxFileBytes}`);
    return real;
  }

  private start(source: Source, positionPrefix: string, requestId: string, format?: string) {
    if (format !== undefined) {
      try {
        compileFormat(format);
      } catch (e) {
        if (e instanceof FormatError) throw new BadRequestException(`format: ${e.message}`);
        throw e;
      }
    }
    const parser = new FlowLogParser({ ...(format ? { format } : {}), source: positionPrefix, batchSize: this.config.batchRows });
    const counts = emptyCounts();
    let batches = 0;
    let detection = 0;
    let deadLettered = 0;
    const m = this.metrics;
    const labels = { source };

    const consume = async (results: ParseResult[]): Promise<void> => {
      for (const r of results) {
        addCounts(counts, r.counts);
        if (r.batch.length > 0) {
          const out = await this.sinks.run(r.batch, { source, position: positionPrefix, key: '' });
          if (out.detection > 0) batches++;
          detection += out.detection;
        }
        if (r.errors.length) {
          const room = Math.max(0, this.config.maxDeadLettersPerRequest - deadLettered);
          const now = this.clock();
          const letters: DeadLetterV1[] = r.errors.slice(0, room).map((e) =>
            ingestDeadLetter({
              consumer: Consumers.ingestRaw, source, reason: 'parse_error',
              error: `${e.reason}${e.field ? ` (${e.field})` : ''}: ${e.message}`,
              position: `${positionPrefix}:${e.line}`, payload: e.raw, failedAt: now, key: positionPrefix,
            }),
          );
          if (letters.length) {
            await this.bus.publish(this.dlq, letters);
            deadLettered += letters.length;
            m.counter('flowguard_ingest_dead_letters_total', 'bad lines written to the dead-letter topic', ['source']).inc(labels, letters.length);
          }
          for (const e of r.errors) {
            m.counter('flowguard_ingest_rejected_lines_total', 'lines rejected by the parser, by reason', ['source', 'reason']).inc({ source, reason: e.reason });
          }
        }
      }
    };

    const finish = (): IngestResult => {
      m.counter('flowguard_ingest_lines_total', 'lines read, header and bad lines included', ['source']).inc(labels, counts.lines);
      const result: IngestResult = {
        requestId, lines: counts.lines, records: counts.records, headers: counts.headers,
        rejected: { ...counts.errors }, deadLettered, detection, dropped: counts.records - detection, batches,
      };
      const rejected = Object.values(counts.errors).reduce((a, b) => a + b, 0);
      this.log[rejected > deadLettered ? 'warn' : 'info']({ ...result, source }, 'flow logs ingested');
      return result;
    };

    return { parser, consume, finish };
  }
}
