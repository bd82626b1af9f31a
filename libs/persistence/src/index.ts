export * from './repositories.port';
export * from './feedback.port';
export * from './ingest-state.port';
export * from './cursor.codec';
export * from './storage.rules';
export * from './embedded/journal-file';
export * from './embedded/journaled-map';
export * from './embedded/embedded-anomaly.repository';
export * from './embedded/embedded-incident.repository';
export * from './embedded/embedded-feedback.repository';
export * from './embedded/embedded-store';
// contract suites and fixtures: shared by the adapters' specs (no jest types needed to import)
export * from './contract/test-api';
export * from './contract/fixtures';
export * from './contract/anomaly-repository.contract';
export * from './contract/incident-repository.contract';
export * from './contract/feedback-repository.contract';
