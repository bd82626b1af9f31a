export * from './topics.controller';
export * from './platform-service.module';
