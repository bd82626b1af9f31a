import { Controller, Get, Inject } from '@nestjs/common';
import type { DetectionEngine, EngineStats } from '@flowguard/detection';
import { DETECTION_ENGINE } from './detect-flows.consumer';

@Controller('v1/detect')
export class DetectController {
  constructor(@Inject(DETECTION_ENGINE) private readonly engine: DetectionEngine) {}

  /** `GET /v1/detect/stats` — engine counters: records, late drops, state sizes per detector, watermark, findings. */
  @Get('stats')
  stats(): EngineStats {
    return this.engine.stats();
  }
}
