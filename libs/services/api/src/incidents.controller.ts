import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import type { AnomalyV1, Incident } from '@flowguard/contracts';
import { InvalidCursorError, type AnomalyRepository, type IncidentRepository, type Page } from '@flowguard/persistence';
import { ANOMALY_REPOSITORY, INCIDENT_REPOSITORY } from '@flowguard/service-kit';
import { anomalyLinks, type AnomalyLinks } from './anomaly-links';
import { AnomalyIdParam, IncidentIdParam, ListAnomaliesQuery, ListIncidentsQuery, TransitionBody } from './api.dto';
import { IncidentCommandsService } from './incident-commands.service';

/** A tampered or foreign cursor is the caller's mistake (400), not ours. */
async function page<T>(run: () => Promise<Page<T>>): Promise<Page<T>> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InvalidCursorError) throw new BadRequestException(e.message);
    throw e;
  }
}

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

@Controller('v1/incidents')
export class IncidentsController {
  constructor(
    @Inject(INCIDENT_REPOSITORY) private readonly incidents: IncidentRepository,
    private readonly commands: IncidentCommandsService,
  ) {}

  /** `GET /v1/incidents?state=&severity=&limit=&cursor=` — newest first; `cursor` in the reply fetches the next page. */
  @Get()
  list(@Query() q: ListIncidentsQuery): Promise<Page<Incident>> {
    return page(() => this.incidents.list(defined({ state: q.state, severity: q.severity, limit: q.limit, cursor: q.cursor })));
  }

  /** `GET /v1/incidents/:id` — one incident with its classification and timeline; 404 when unknown. */
  @Get(':id')
  async get(@Param() p: IncidentIdParam): Promise<Incident> {
    const incident = await this.incidents.get(p.id);
    if (!incident) throw new NotFoundException(`no incident ${p.id}`);
    return incident;
  }

  /**
   * `POST /v1/incidents/:id/transitions` — body `{ to, by, reason?, expectedVersion? }`: move the
   * incident through its lifecycle (New → Investigating → Contained → Resolved → Closed; reopen
   * with a reason). 200 with the incident; 404; 409 for an illegal move (with the allowed states)
   * or a concurrent change. Publishes a `state_changed` event (pushed on /v1/stream).
   */
  @Post(':id/transitions')
  @HttpCode(200)
  transition(@Param() p: IncidentIdParam, @Body() body: TransitionBody): Promise<Incident> {
    return this.commands.transition(p.id, body);
  }
}

@Controller('v1/anomalies')
export class AnomaliesController {
  constructor(@Inject(ANOMALY_REPOSITORY) private readonly anomalies: AnomalyRepository) {}

  /** `GET /v1/anomalies?detector=&actor=&since=&limit=&cursor=` — newest first by lastSeen. */
  @Get()
  list(@Query() q: ListAnomaliesQuery): Promise<Page<AnomalyV1>> {
    return page(() => this.anomalies.list(defined({ detector: q.detector, actor: q.actor, since: q.since, limit: q.limit, cursor: q.cursor })));
  }

  /**
   * `GET /v1/anomalies/:id` — one anomaly with its signals and evidence, and
   * `links` to its raw flows (history query and CSV export); 404 when unknown.
   */
  @Get(':id')
  async get(@Param() p: AnomalyIdParam): Promise<AnomalyV1 & { links?: AnomalyLinks }> {
    const anomaly = await this.anomalies.get(p.id);
    if (!anomaly) throw new NotFoundException(`no anomaly ${p.id}`);
    const links = anomalyLinks(anomaly);
    return links ? { ...anomaly, links } : anomaly;
  }
}
