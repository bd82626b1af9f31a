import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@flowguard/service-kit';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard.page';

/** `GET /` — the live incident page (public shell; its data calls carry the token when one is set). */
@Public()
@Controller()
export class DashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', DASHBOARD_CSP)
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return DASHBOARD_HTML;
  }
}
