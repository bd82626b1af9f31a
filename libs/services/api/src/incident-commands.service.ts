import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Topics, type Incident } from '@flowguard/contracts';
import type { Bus } from '@flowguard/messaging';
import { ConflictError, NotFoundError, type IncidentRepository } from '@flowguard/persistence';
import { BUS, CLOCK, INCIDENT_REPOSITORY, MetricsService } from '@flowguard/service-kit';
import { allowedTransitions, IllegalTransitionError, IncidentNotFoundError, TransitionIncident } from '@flowguard/workflow';
import type { TransitionBody } from './api.dto';

/** Analyst actions on incidents: runs the workflow use case and publishes its event. */
@Injectable()
export class IncidentCommandsService {
  private readonly transitionUsecase: TransitionIncident;

  constructor(
    @Inject(INCIDENT_REPOSITORY) incidents: IncidentRepository,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CLOCK) clock: () => number,
    private readonly metrics: MetricsService,
  ) {
    this.transitionUsecase = new TransitionIncident({ incidents, clock });
  }

  async transition(incidentId: string, body: TransitionBody): Promise<Incident> {
    try {
      const { incident, event } = await this.transitionUsecase.execute({
        incidentId, to: body.to, by: body.by,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
      });
      // stored first, then announced; a failed publish leaves a correct incident and a 500 to retry the announcement by hand
      await this.bus.publish(Topics.incidents, [event]);
      this.metrics.counter('flowguard_api_transitions_total', 'incident state changes made through the API', ['to']).inc({ to: body.to });
      return incident;
    } catch (e) {
      if (e instanceof IncidentNotFoundError || e instanceof NotFoundError) throw new NotFoundException(`no incident ${incidentId}`);
      if (e instanceof IllegalTransitionError) throw new ConflictException({ message: e.message, allowed: allowedTransitions(e.from) });
      if (e instanceof ConflictError) throw new ConflictException(`incident ${incidentId} changed meanwhile; reload and retry (${e.message})`);
      throw e;
    }
  }
}
