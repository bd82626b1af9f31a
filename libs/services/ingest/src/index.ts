export * from './ingest.config';
export * from './ingest.dto';
export * from './ingest.service';
export * from './ingest.controller';
export * from './ingest-service.module';
