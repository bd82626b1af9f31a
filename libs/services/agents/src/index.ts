export * from './agents.config';
export * from './classify-anomalies.consumer';
export * from './agents-service.module';
