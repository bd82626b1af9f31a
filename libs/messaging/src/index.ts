export * from './bus.port';
export * from './core/clock';
export * from './core/batch.processor';
export * from './partitioning/murmur2.partitioner';
export * from './idempotency/seen-keys.cache';
export * from './in-process/in-process.bus';
export { BusClosedError, type TopicStats } from './in-process/topic-state';
// test support, exported from the index because cross-project relative imports are not allowed;
// it touches the test runner only when runBusContractSuite is called
export * from './testing/fixtures';
export * from './testing/bus-contract.suite';
