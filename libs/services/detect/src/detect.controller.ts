import { Controller, Get, Inject, Optional } from '@nestjs/common';
import type { FindingCounters } from '@flowguard/detection';
import { DetectConfigReloader, type ConfigReloadState } from './detect-config.reloader';
import { DETECT_LANES, DETECT_REPARTITION } from './detect.tokens';
import type { DetectLanes, LaneStats } from './lanes/detect-lanes';
import type { RepartitionCounters, RepartitionStage } from './repartition/repartition.stage';

export interface DetectStats {
  /** flow records this instance took in from flows.enriched (repartition stage) */
  records: number;
  /** flows.enriched messages taken in */
  batches: number;
  repartition: RepartitionCounters & { origins: number[]; directionInferred: number };
  /** rows analysed by this instance's lanes, per role (each flow once by source, once by destination) */
  analysed: { src: number; dst: number };
  /** rows dropped as late, over every lane */
  lateDrops: number;
  /** lowest watermark of the lanes here (event seconds; -1 when none moved yet) */
  watermark: number;
  /** finding counters per detector, over every lane */
  findings: Record<string, FindingCounters>;
  anomaliesOpen: number;
  lanes: LaneStats[];
  /** the detection rules file and what of it is in force (present in the service) */
  config?: ConfigReloadState;
}

@Controller('v1/detect')
export class DetectController {
  constructor(
    @Inject(DETECT_REPARTITION) private readonly stage: RepartitionStage,
    @Inject(DETECT_LANES) private readonly lanes: DetectLanes,
    @Optional() private readonly reloader?: DetectConfigReloader,
  ) {}

  /** `GET /v1/detect/stats` — both stages of this instance: records in, per-lane engine counters, watermarks, findings. */
  @Get('stats')
  stats(): DetectStats {
    const s = detectStats(this.stage, this.lanes);
    return this.reloader ? { ...s, config: this.reloader.current } : s;
  }
}

export function detectStats(stage: RepartitionStage, lanes: DetectLanes): DetectStats {
  const laneStats = lanes.stats();
  const findings: Record<string, FindingCounters> = {};
  const analysed = { src: 0, dst: 0 };
  let lateDrops = 0;
  let anomaliesOpen = 0;
  let watermark = Infinity;
  for (const l of laneStats) {
    analysed[l.topic] += l.engine.records;
    lateDrops += l.engine.lateDrops;
    anomaliesOpen += l.engine.anomaliesOpen;
    if (l.watermark >= 0 && l.watermark < watermark) watermark = l.watermark;
    for (const [d, c] of Object.entries(l.engine.findings)) {
      const acc = (findings[d] ??= { candidates: 0, created: 0, updated: 0, emitted: 0, suppressed: 0, dryRun: 0 });
      for (const k of Object.keys(acc) as Array<keyof FindingCounters>) acc[k] += c?.[k] ?? 0;
    }
  }
  return {
    records: stage.counters.rows,
    batches: stage.counters.messages,
    repartition: { ...stage.counters, origins: stage.originIds, directionInferred: stage.inferred },
    analysed,
    lateDrops,
    watermark: Number.isFinite(watermark) ? watermark : -1,
    findings,
    anomaliesOpen,
    lanes: laneStats,
  };
}
