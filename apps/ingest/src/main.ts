/**
 * The ingest service as its own process (flow-log intake over HTTP → flows.enriched).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8081.
 */
import { IngestServiceModule } from '@flowguard/service-ingest';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'ingest',
  modules: [IngestServiceModule.register(process.env)],
  store: IngestServiceModule.usesStore,
  defaults: { PORT: '8081' },
}));
