import type { DetectorId } from '../config/detection-config';
import type { FindingCounters } from '../aggregation/anomaly.aggregator';

/** Counters of one engine since it started (plus current state sizes). */
export interface EngineStats {
  batches: number;
  /** every row handed to process() */
  records: number;
  /** rows analysed as flows (OK, in time, not allow-listed) */
  flows: number;
  nodata: number;
  skipdata: number;
  /** rows whose base window had already closed when they arrived */
  lateDrops: number;
  allowListed: number;
  allowListedByEntry: Record<string, number>;
  allowListExpired: number;
  responses: number;
  probes: number;
  /** REJECTs of FIN/RST after a closed connection, discounted by scan detectors */
  closingRejects: number;
  /** rows whose source/destination side was learned from the ENI owner */
  directionInferred: number;
  /** event seconds; -1 before the first flow */
  watermark: number;
  maxEventTime: number;
  addresses: number;
  addressesRecycled: number;
  /** new state that could not be kept because a table was full, per detector */
  evictions: Record<string, number>;
  /** entries held per detector */
  state: Record<string, number>;
  /**
   * candidates set aside by a documented benign rule, as `<detector>.<reason>`: beaconing
   * `time-sync` (NTP-sized UDP 123 clients), unusual-port `joined-service` (ADR 0027), beaconing
   * `varying-poller` (a web-port poller every >= 5 min whose sizes vary, ADR 0029)
   */
  benignSkips: Record<string, number>;
  findings: Partial<Record<DetectorId, FindingCounters>>;
  anomaliesOpen: number;
  anomaliesEvicted: number;
}
