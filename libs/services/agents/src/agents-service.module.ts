import { Module, type DynamicModule } from '@nestjs/common';
import { OfflineThreatClassifier } from '@flowguard/agents';
import { CLOCK } from '@flowguard/service-kit';
import { loadAgentsConfig } from './agents.config';
import { ClassifyAnomaliesConsumer, THREAT_CLASSIFIER } from './classify-anomalies.consumer';

/** The agents service: anomalies → threat classification (offline rules today; Bedrock behind the same port later). */
@Module({})
export class AgentsServiceModule {
  static readonly usesStore = false;

  static register(env: Record<string, string | undefined> = process.env): DynamicModule {
    const config = loadAgentsConfig(env);
    return {
      module: AgentsServiceModule,
      providers: [
        {
          provide: THREAT_CLASSIFIER,
          // the only provider today; the config check above rejects anything else
          useFactory: (clock: () => number) => (config.classifier === 'offline' ? new OfflineThreatClassifier(clock) : null),
          inject: [CLOCK],
        },
        ClassifyAnomaliesConsumer,
      ],
      exports: [THREAT_CLASSIFIER],
    };
  }
}
