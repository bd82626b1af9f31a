import { Module, type DynamicModule } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { IncidentCommandsService } from './incident-commands.service';
import { IncidentStreamConsumer } from './incident-stream.consumer';
import { IncidentStreamGateway } from './incident-stream.gateway';
import { AnomaliesController, IncidentsController, RulesController } from './incidents.controller';
import { API_RULES_SETTINGS, loadApiRulesSettings } from './rules/api-rules.config';
import { RulesInForce } from './rules/rules-in-force.service';

/** The API service: incidents and anomalies over REST, incident events over WebSocket, the live page. */
@Module({})
export class ApiServiceModule {
  static readonly usesStore = true;

  static register(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): DynamicModule {
    const rules = loadApiRulesSettings(env, defaults);
    return {
      module: ApiServiceModule,
      controllers: [IncidentsController, AnomaliesController, RulesController, DashboardController],
      providers: [IncidentStreamGateway, IncidentStreamConsumer, IncidentCommandsService, RulesInForce, { provide: API_RULES_SETTINGS, useValue: rules }],
    };
  }
}
