import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import type { AnomalyV1, Incident } from '@flowguard/contracts';
import { InvalidCursorError, type AnomalyRepository, type IncidentRepository, type Page } from '@flowguard/persistence';
import { suppressionDraft, type RuleVerdict, type SuppressionRule } from '@flowguard/rules';
import { ANOMALY_REPOSITORY, CLOCK, INCIDENT_REPOSITORY } from '@flowguard/service-kit';
import { anomalyLinks, type AnomalyLinks } from './anomaly-links';
import { AnomalyIdParam, IncidentIdParam, ListAnomaliesQuery, ListIncidentsQuery, SuppressionDraftQuery, TransitionBody } from './api.dto';
import { RulesInForce, type RulesState } from './rules/rules-in-force.service';
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

/** An anomaly as stored, with what the rules in force say of it now. */
export type AnomalyView = AnomalyV1 & { current: RuleVerdict };

@Controller('v1/anomalies')
export class AnomaliesController {
  constructor(
    @Inject(ANOMALY_REPOSITORY) private readonly anomalies: AnomalyRepository,
    private readonly rules: RulesInForce,
    @Inject(CLOCK) private readonly clock: () => number,
  ) {}

  /**
   * `GET /v1/anomalies?detector=&actor=&since=&limit=&cursor=&current=` — newest first by lastSeen.
   * Every item carries `current`: its status under the suppressions and allow list in force now
   * (a rule added today covers last week's anomalies; `status` stays what was stored).
   */
  @Get()
  async list(@Query() q: ListAnomaliesQuery): Promise<Page<AnomalyView>> {
    const p = await page(() => this.anomalies.list(defined({ detector: q.detector, actor: q.actor, since: q.since, limit: q.limit, cursor: q.cursor })));
    const rules = this.rules.rules;
    const now = this.clock();
    let items = p.items.map((a): AnomalyView => ({ ...a, current: rules.evaluate(a, now) }));
    if (q.current) items = items.filter((a) => a.current.status === q.current);
    return { ...p, items };
  }

  /**
   * `GET /v1/anomalies/:id` — one anomaly with its signals and evidence, `current` (as in the
   * list) and `links` to its raw flows (history query and CSV export); 404 when unknown.
   */
  @Get(':id')
  async get(@Param() p: AnomalyIdParam): Promise<AnomalyView & { links?: AnomalyLinks }> {
    const anomaly = await this.find(p.id);
    const view: AnomalyView = { ...anomaly, current: this.rules.rules.evaluate(anomaly, this.clock()) };
    const links = anomalyLinks(anomaly);
    return links ? { ...view, links } : view;
  }

  /**
   * `GET /v1/anomalies/:id/suppression-draft?owner=&reason=&days=` — a suppression rule scoped to
   * this anomaly (detector, actor or targets, few ports, expiry) for the analyst to review and add
   * to the rules file; nothing is applied. Once added, it covers this anomaly and every stored or
   * future one like it.
   */
  @Get(':id/suppression-draft')
  async draft(@Param() p: AnomalyIdParam, @Query() q: SuppressionDraftQuery): Promise<{ rule: SuppressionRule; rulesFile: string | null; note: string }> {
    const anomaly = await this.find(p.id);
    const rule = suppressionDraft(anomaly, { owner: q.owner, reason: q.reason, days: q.days ?? 30, nowMs: this.clock() });
    return {
      rule,
      rulesFile: this.rules.current.file,
      note: 'review the scope, then add the rule to "suppressions" in the rules file: detect and the api pick it up within their reload interval',
    };
  }

  private async find(id: string): Promise<AnomalyV1> {
    const anomaly = await this.anomalies.get(id);
    if (!anomaly) throw new NotFoundException(`no anomaly ${id}`);
    return anomaly;
  }
}

@Controller('v1/rules')
export class RulesController {
  constructor(private readonly rules: RulesInForce) {}

  /** `GET /v1/rules` — the suppressions and allow list in force for the api, their file, and why a newer file is not in force. */
  @Get()
  get(): RulesState {
    return this.rules.current;
  }
}
