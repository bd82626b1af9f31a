import { Module, type DynamicModule } from '@nestjs/common';
import { OpenIncidentsConsumer } from './open-incidents.consumer';

/** The orchestrator service: classifications → incidents (storage) → incident events and findings. */
@Module({})
export class OrchestratorServiceModule {
  static readonly usesStore = true;

  static register(): DynamicModule {
    return { module: OrchestratorServiceModule, providers: [OpenIncidentsConsumer] };
  }
}
