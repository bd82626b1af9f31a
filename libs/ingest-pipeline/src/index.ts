export * from './ports/ingest.port';
export * from './ports/checkpoint.port';
export * from './delivery/dead-letter';
export * from './delivery/cwl-subscription.decoder';
export * from './delivery/record-ingest';
export * from './delivery/accepted-request.store';
export * from './delivery/firehose-endpoint.handler';
