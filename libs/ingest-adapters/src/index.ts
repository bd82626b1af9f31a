export * from './firehose/firehose-http.listener';
export * from './kinesis/file-checkpoint.store';
export * from './kinesis/kinesis-stream.consumer';
export * from './s3/file-object.ledger';
export * from './s3/s3-flow-log.source';
export * from './ip-ranges/ip-ranges.fetcher';
