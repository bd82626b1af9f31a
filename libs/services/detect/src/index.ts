export * from './detect.config';
export * from './detect.tokens';
export * from './detect-flows.consumer';
export * from './detect.controller';
export * from './detect-service.module';
export * from './lanes/detect-lanes';
export * from './repartition/bucket-keys';
export * from './repartition/flow-batch.builder';
export * from './repartition/origin-stamp';
export * from './repartition/repartition.consumer';
export * from './repartition/repartition.stage';
// test and bench support, exported from the index because cross-project relative imports are not
// allowed (as @flowguard/messaging does with its contract suite); nothing here runs unless called
export * from './testing/scale-harness';
export * from './testing/simulated-flows';
