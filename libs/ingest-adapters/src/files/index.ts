export * from './flow-log-file.reader';
