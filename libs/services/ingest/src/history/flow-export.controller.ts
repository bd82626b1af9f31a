import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { LOGGER, type HttpResponse } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import { FlowStorage } from '../storage/flow-storage.service';
import { historyHttpError } from './flow-history.controller';
import { FlowExportQuery } from './flow-history.dto';
import { EXPORT_CONTENT_TYPE, exportHeader, exportLines, type ExportFormat } from './flow-export.format';

const PAGE = 1000;
const DEFAULT_MAX = 100_000;

/**
 * `GET /v1/flows/export?ip=&cidr=&port=&eni=&action=&from=&to=&format=csv|jsonl|log&max=`:
 * every stored flow matching the history's filters, newest first, streamed page
 * by page as a download (the raw records behind an alert, for a spreadsheet, a
 * script, or `flowguard analyze`). At most `max` rows (default 100,000; the
 * `X-Flowguard-Max-Rows` header says the cap): narrow the range for more.
 * Problems with the query are a 400 before anything is sent; a store failing
 * mid-stream cuts the download (the client sees an incomplete transfer) and is
 * logged.
 */
@Controller('v1/flows/export')
export class FlowExportController {
  private readonly log: Logger;

  constructor(private readonly storage: FlowStorage, @Inject(LOGGER) logger: Logger) {
    this.log = logger.child({ component: 'flow-export' });
  }

  @Get()
  async export(@Query() q: FlowExportQuery, @Res() res: HttpResponse): Promise<void> {
    const format: ExportFormat = q.format ?? 'csv';
    const max = q.max ? Number(q.max) : DEFAULT_MAX;
    const { format: _f, max: _m, ...filters } = q;
    const params = { ...filters, limit: String(Math.min(PAGE, max)) };
    // the first page answers the query's problems as an ordinary error response
    let page;
    try {
      page = await this.storage.query(params);
    } catch (err) {
      throw historyHttpError(err, this.storage.historyBackend);
    }
    res.statusCode = 200;
    res.setHeader('content-type', EXPORT_CONTENT_TYPE[format]);
    res.setHeader('content-disposition', `attachment; filename="flows.${format === 'log' ? 'log' : format}"`);
    res.setHeader('x-flowguard-backend', page.backend);
    res.setHeader('x-flowguard-max-rows', String(max));
    let written = 0;
    try {
      await write(res, exportHeader(format));
      for (;;) {
        const records = page.records.slice(0, max - written);
        await write(res, exportLines(records, format));
        written += records.length;
        if (!page.cursor || written >= max || res.destroyed) break;
        page = await this.storage.query({ ...params, limit: String(Math.min(PAGE, max - written)), cursor: page.cursor });
      }
      res.end();
    } catch (err) {
      this.log.error({ err, written }, 'flow export failed mid-stream; the download is cut');
      res.destroy(err as Error);
    }
  }
}

/** Write with backpressure; resolves on drain, or when the client went away (the loop then stops). */
async function write(res: HttpResponse, chunk: string): Promise<void> {
  if (!chunk || res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
