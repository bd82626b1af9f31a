import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Consumers, Topics, type FindingV1, type IncidentEventV1, type ThreatClassificationV1 } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import type { IncidentRepository } from '@flowguard/persistence';
import { BUS, CLOCK, ConsumersService, INCIDENT_REPOSITORY, LOGGER, MetricsService, Stage } from '@flowguard/service-kit';
import { OpenIncidentFromClassification } from '@flowguard/workflow';
import type { Logger } from 'pino';

/**
 * classifications → incidents. The use case decides (false positive: no incident;
 * otherwise create-if-absent); this consumer publishes the 'opened' event and a
 * finding only for incidents it actually created, before the bus commits.
 */
@Injectable()
export class OpenIncidentsConsumer implements OnApplicationBootstrap {
  private readonly usecase: OpenIncidentFromClassification;
  private readonly log: Logger;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(INCIDENT_REPOSITORY) incidents: IncidentRepository,
    @Inject(CLOCK) clock: () => number,
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.usecase = new OpenIncidentFromClassification({ incidents, clock });
    this.log = logger.child({ component: 'orchestrator' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start('open-incidents', Stage.orchestrator, {
      group: Consumers.orchestrator,
      topic: Topics.classifications,
      handle: (batch) => this.handle(batch),
    });
  }

  async handle(batch: ReadonlyArray<Delivered<ThreatClassificationV1>>): Promise<void> {
    const events: IncidentEventV1[] = [];
    const findings: FindingV1[] = [];
    const outcomes = this.metrics.counter('flowguard_orchestrator_classifications_total', 'classifications handled, by outcome and route', ['outcome', 'route']);
    for (const { value } of batch) {
      const r = await this.usecase.execute(value);
      outcomes.inc({ outcome: r.outcome, route: r.rule.route });
      if (r.outcome === 'created') {
        events.push(r.event);
        findings.push(r.finding);
        this.log.info({ incidentId: r.incident.incidentId, severity: r.incident.severity, route: r.rule.route, title: r.incident.title }, 'incident opened');
      } else if (r.outcome === 'discarded') {
        this.log.info({ anomalyId: value.anomaly.anomalyId, verdict: value.verdict, rule: r.rule.name }, 'false positive: no incident');
      } else {
        this.log.debug({ incidentId: r.incident.incidentId }, 'incident already exists');
      }
    }
    if (events.length) await this.bus.publish(Topics.incidents, events);
    if (findings.length) await this.bus.publish(Topics.findings, findings);
  }
}
