import { BadRequestException, Controller, Get, HttpException, NotFoundException, Query, ServiceUnavailableException } from '@nestjs/common';
import type { FlowRecord } from '@flowguard/contracts';
import type { FlowQueryIssue } from '@flowguard/flow-storage';
import { FlowStorage, HistoryOffError } from '../storage/flow-storage.service';
import { FlowHistoryQuery } from './flow-history.dto';

export interface FlowHistoryPage {
  readonly records: FlowRecord[];
  /** present when more records match: pass it back as `cursor` with the same parameters */
  readonly cursor?: string;
  /** which store answered: opensearch or parquet */
  readonly backend: string;
}

/**
 * The HTTP answer to a failed history query (also the export's, before it
 * starts streaming): 404 when no flow storage is configured, 400 with every
 * `issues` entry for a bad query, 503 when the store failed.
 */
export function historyHttpError(err: unknown, backend: string | undefined): HttpException {
  if (err instanceof HistoryOffError) return new NotFoundException(err.message);
  const issues = (err as { issues?: FlowQueryIssue[] }).issues;
  if ((err as Error).name === 'FlowQueryError' && issues) {
    return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: issues.map((i) => `${i.field} ${i.message}`), issues });
  }
  return new ServiceUnavailableException(`flow history (${backend}) failed: ${(err as Error).message}`);
}

/**
 * `GET /v1/flows/history?ip=&cidr=&port=&eni=&action=&from=&to=&limit=&cursor=`:
 * the stored flows (the filter's storage output) newest first, from OpenSearch
 * when configured, else from the Parquet files. 400 with `issues` for a bad
 * query, 404 when no flow storage is configured, 503 when the store failed.
 */
@Controller('v1/flows/history')
export class FlowHistoryController {
  constructor(private readonly storage: FlowStorage) {}

  @Get()
  async history(@Query() q: FlowHistoryQuery): Promise<FlowHistoryPage> {
    try {
      return await this.storage.query({ ...q });
    } catch (err) {
      throw historyHttpError(err, this.storage.historyBackend);
    }
  }
}
