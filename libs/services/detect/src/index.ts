export * from './detect.config';
export * from './detect-flows.consumer';
export * from './detect.controller';
export * from './detect-service.module';
