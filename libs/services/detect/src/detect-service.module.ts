import { Module, type DynamicModule } from '@nestjs/common';
import { DetectionEngine, defaultDetectionConfig, validateDetectionConfig, type DetectionConfig } from '@flowguard/detection';
import { ConfigError, CLOCK } from '@flowguard/service-kit';
import { ThreatIntel } from '@flowguard/threat-intel';
import { readFileSync } from 'node:fs';
import { loadDetectSettings } from './detect.config';
import { DETECT_SETTINGS, DETECTION_ENGINE, DetectFlowsConsumer } from './detect-flows.consumer';
import { DetectController } from './detect.controller';

function detectionConfig(file: string | undefined): DetectionConfig {
  if (!file) return defaultDetectionConfig();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`DETECT_CONFIG_FILE: cannot read ${file} as JSON (${e instanceof Error ? e.message : String(e)})`]);
  }
  try {
    return validateDetectionConfig(raw);
  } catch (e) {
    throw new ConfigError([`DETECT_CONFIG_FILE: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

/** The detect service: flows.enriched → detectors → anomalies (storage + topic). */
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
        {
          provide: DETECTION_ENGINE,
          useFactory: (clock: () => number) => new DetectionEngine(config, { threatIntel: ThreatIntel.bundled(), now: clock }),
          inject: [CLOCK],
        },
        DetectFlowsConsumer,
      ],
      exports: [DETECTION_ENGINE],
    };
  }
}
