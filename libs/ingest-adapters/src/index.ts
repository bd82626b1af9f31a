export * from './firehose/firehose-http.listener';
