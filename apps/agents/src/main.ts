/**
 * The agents service as its own process (anomalies → threat classification).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8083.
 */
import { AgentsServiceModule } from '@flowguard/service-agents';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'agents',
  modules: [AgentsServiceModule.register(process.env)],
  store: AgentsServiceModule.usesStore,
  defaults: { PORT: '8083' },
}));
