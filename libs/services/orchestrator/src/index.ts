export * from './open-incidents.consumer';
export * from './orchestrator-service.module';
