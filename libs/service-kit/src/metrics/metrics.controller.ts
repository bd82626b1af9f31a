import { Controller, Get, Header, Res } from '@nestjs/common';
import type { HttpResponse } from '../http/http-types';
import { Public } from '../http/public.decorator';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint. Public like most scrape targets: keep it on the private network. */
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: HttpResponse): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
