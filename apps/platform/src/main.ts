/**
 * The platform service as its own process (topic registry; creates topics and tables at boot).
 * Configuration from the environment (docs/services.md); defaults: Kafka bus,
 * DynamoDB store, port 8085.
 */
import { PlatformServiceModule } from '@flowguard/service-platform';
import { runService } from '@flowguard/service-kit';

void runService(() => ({
  service: 'platform',
  modules: [PlatformServiceModule.register()],
  store: PlatformServiceModule.usesStore,
  defaults: { PORT: '8085', FLOWGUARD_PROVISION: 'true' },
}));
