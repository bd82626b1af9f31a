import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { HttpResponse } from '../http/http-types';
import { Public } from '../http/public.decorator';
import { HealthService, type HealthReport } from './health.service';

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers HTTP. Restart it only when this fails. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: bus, storage and consumers are healthy (200), or not (503, with the failing checks). */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: HttpResponse): Promise<HealthReport> {
    const report = await this.health.ready();
    res.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
