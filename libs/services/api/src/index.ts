export * from './api.dto';
export * from './incidents.controller';
export * from './incident-commands.service';
export * from './incident-stream.gateway';
export * from './incident-stream.consumer';
export * from './dashboard.page';
export * from './dashboard.controller';
export * from './api-service.module';
