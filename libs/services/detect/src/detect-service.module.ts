import { Module, type DynamicModule } from '@nestjs/common';
import { Topics } from '@flowguard/contracts';
import { defaultDetectionConfig, type DetectionConfig } from '@flowguard/detection';
import { ConfigError, CLOCK } from '@flowguard/service-kit';
import { ThreatIntel } from '@flowguard/threat-intel';
import { loadDetectSettings } from './detect.config';
import { DetectFlowsConsumer } from './detect-flows.consumer';
import { DetectConfigReloader, readDetectionConfig } from './detect-config.reloader';
import { DETECT_CONFIG, DETECT_LANES, DETECT_REPARTITION, DETECT_SETTINGS } from './detect.tokens';
import { DetectController } from './detect.controller';
import { DetectLanes } from './lanes/detect-lanes';
import { DetectRepartitionConsumer } from './repartition/repartition.consumer';
import { RepartitionStage } from './repartition/repartition.stage';

function detectionConfig(file: string | undefined): DetectionConfig {
  if (!file) return defaultDetectionConfig();
  try {
    return readDetectionConfig(file);
  } catch (e) {
    throw new ConfigError([`DETECT_CONFIG_FILE: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/**
 * The detect service: flows.enriched → repartition by source and destination
 * bucket → one engine per repartition partition → anomalies (storage + topic).
 * Any number of instances can run in one consumer group (docs/detect-scaling.md).
 */
@Module({})
export class DetectServiceModule {
  static readonly usesStore = true;

  /** Reads and validates the detection config at boot (a bad threshold file stops the start). */
  static register(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): DynamicModule {
    const settings = loadDetectSettings(env, defaults);
    const config = detectionConfig(settings.configFile);
    return {
      module: DetectServiceModule,
      controllers: [DetectController],
      providers: [
        { provide: DETECT_SETTINGS, useValue: settings },
        { provide: DETECT_CONFIG, useValue: config },
        {
          provide: DETECT_REPARTITION,
          useFactory: () => new RepartitionStage({
            buckets: Topics.flowsBySource.partitions,
            inferEniOwner: config.network.inferEniOwner,
            punctuateEverySec: config.tickSec,
          }),
        },
        {
          provide: DETECT_LANES,
          useFactory: (clock: () => number) => new DetectLanes({
            config, threatIntel: ThreatIntel.bundled(), now: clock, idleMs: settings.idleFlushMs, expectedOrigins: Topics.flowsEnriched.partitions,
          }),
          inject: [CLOCK],
        },
        DetectRepartitionConsumer,
        DetectFlowsConsumer,
        DetectConfigReloader,
      ],
      exports: [DETECT_LANES, DETECT_REPARTITION, DetectConfigReloader],
    };
  }
}
