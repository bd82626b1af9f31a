export * from './config/detection-config';
export * from './config/detection-config.validator';
export * from './engine/detection.engine';
export type { EngineStats } from './engine/engine-stats';
export type { Candidate, Detector } from './detectors/detector';
export { anomalyIdOf } from './aggregation/anomaly-id';
export type { FindingCounters } from './aggregation/anomaly.aggregator';
export { Repartitioner, bucketOf, partitionRows } from './partition/partition-rows';
