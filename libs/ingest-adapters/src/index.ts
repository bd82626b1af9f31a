export * from './firehose/firehose-http.listener';
export * from './kinesis/file-checkpoint.store';
export * from './kinesis/kinesis-stream.consumer';
