import { Module, type DynamicModule } from '@nestjs/common';
import { TopicsController } from './topics.controller';

/**
 * The platform service: the topic registry over HTTP, plus health and metrics
 * from the kit. Configuration management (FR "config with validation and
 * rollback") is NOT built; there is deliberately no stub endpoint for it.
 */
@Module({})
export class PlatformServiceModule {
  static readonly usesStore = false;

  static register(): DynamicModule {
    return { module: PlatformServiceModule, controllers: [TopicsController] };
  }
}
