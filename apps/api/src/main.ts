/**
 * The api service as its own process (incidents/anomalies REST, /v1/stream WebSocket, live page).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8080.
 */
import { ApiServiceModule } from '@flowguard/service-api';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'api',
  modules: [ApiServiceModule.register(process.env)],
  store: ApiServiceModule.usesStore,
  defaults: { PORT: '8080' },
}));
