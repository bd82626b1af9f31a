import { Body, Controller, HttpCode, Post, Query, Req, UnsupportedMediaTypeException } from '@nestjs/common';
import { requestIdOf, type HttpRequest } from '@flowguard/service-kit';
import { PostFlowsFileBody, PostFlowsQuery, type IngestResult } from './ingest.dto';
import { IngestService } from './ingest.service';

@Controller('v1/flows')
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /**
   * `POST /v1/flows` — body: raw flow-log lines (`Content-Type: text/plain`,
   * optionally gzip-encoded), with or without the S3-style header line.
   * `?format=${version} ${srcaddr} ...` gives the format of headerless lines.
   * 200 with counts; bad lines go to the ingest dead-letter topic; 413 over HTTP_MAX_BODY_BYTES.
   */
  @Post()
  @HttpCode(200)
  async post(@Req() req: HttpRequest, @Query() query: PostFlowsQuery, @Body() body: unknown): Promise<IngestResult> {
    if (typeof body !== 'string') throw new UnsupportedMediaTypeException('send flow-log lines as Content-Type: text/plain');
    return this.ingest.ingestText(body, { requestId: requestIdOf(req), ...(query.format ? { format: query.format } : {}) });
  }

  /**
   * `POST /v1/flows/file` — body `{ "path": "...", "format"?: "..." }`: stream a
   * file on the ingest host (local use; only inside INGEST_FILE_ROOTS, else 403).
   */
  @Post('file')
  @HttpCode(200)
  async postFile(@Req() req: HttpRequest, @Body() body: PostFlowsFileBody): Promise<IngestResult & { path: string }> {
    return this.ingest.ingestFile(body.path, { requestId: requestIdOf(req), ...(body.format ? { format: body.format } : {}) });
  }
}
