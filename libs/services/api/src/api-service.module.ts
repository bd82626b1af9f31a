import { Module, type DynamicModule } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { IncidentCommandsService } from './incident-commands.service';
import { IncidentStreamConsumer } from './incident-stream.consumer';
import { IncidentStreamGateway } from './incident-stream.gateway';
import { AnomaliesController, IncidentsController } from './incidents.controller';

/** The API service: incidents and anomalies over REST, incident events over WebSocket, the live page. */
@Module({})
export class ApiServiceModule {
  static readonly usesStore = true;

  static register(): DynamicModule {
    return {
      module: ApiServiceModule,
      controllers: [IncidentsController, AnomaliesController, DashboardController],
      providers: [IncidentStreamGateway, IncidentStreamConsumer, IncidentCommandsService],
    };
  }
}
