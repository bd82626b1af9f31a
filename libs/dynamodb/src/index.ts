export * from './dynamo-client.factory';
export * from './dynamo-tables';
export * from './dynamo-anomaly.repository';
export * from './dynamo-incident.repository';
export * from './dynamo-feedback.repository';
export { shardOf } from './dynamo-query';
export * from './dynamo-shard-checkpoint.repository';
export * from './dynamo-ingest-ledger.repository';
