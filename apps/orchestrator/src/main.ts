/**
 * The orchestrator service as its own process (classifications → incidents).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8084.
 */
import { OrchestratorServiceModule } from '@flowguard/service-orchestrator';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'orchestrator',
  modules: [OrchestratorServiceModule.register()],
  store: OrchestratorServiceModule.usesStore,
  defaults: { PORT: '8084' },
}));
