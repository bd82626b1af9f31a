export * from './topics.controller';
export * from './platform-service.module';
export * from './dead-letters.monitor';
export * from './dead-letters.controller';
