import { Module, type DynamicModule } from '@nestjs/common';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersMonitor } from './dead-letters.monitor';
import { TopicsController } from './topics.controller';

/**
 * The platform service: the topic registry over HTTP, a view of every
 * dead-letter topic, creation of missing Kafka topics and DynamoDB tables at
 * boot (FLOWGUARD_PROVISION, on by default for this service), plus health and
 * metrics from the kit. Configuration management (FR "config with validation and
 * rollback") is NOT built; there is deliberately no stub endpoint for it.
 */
@Module({})
export class PlatformServiceModule {
  /**
   * true: the platform owns the shared infrastructure, so it opens the store
   * (creating DynamoDB tables with FLOWGUARD_PROVISION, its default) and its
   * readiness includes storage health.
   */
  static readonly usesStore = true;

  static register(): DynamicModule {
    return { module: PlatformServiceModule, controllers: [TopicsController, DeadLettersController], providers: [DeadLettersMonitor] };
  }
}
