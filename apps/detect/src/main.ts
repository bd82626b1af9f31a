/**
 * The detect service as its own process (flows.enriched → detectors → anomalies).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8082.
 */
import { DetectServiceModule } from '@flowguard/service-detect';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'detect',
  modules: [DetectServiceModule.register(process.env)],
  store: DetectServiceModule.usesStore,
  defaults: { PORT: '8082' },
}));
