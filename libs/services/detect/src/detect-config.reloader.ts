import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { validateDetectionConfig, type DetectionConfig } from '@flowguard/detection';
import { LOGGER, MetricsService, WatchedFile } from '@flowguard/service-kit';
import type { Logger } from 'pino';
import { readFileSync } from 'node:fs';
import type { Counter } from 'prom-client';
import { DETECT_CONFIG, DETECT_LANES, DETECT_SETTINGS } from './detect.tokens';
import type { DetectSettings } from './detect.config';
import type { DetectLanes } from './lanes/detect-lanes';

export interface ConfigReloadState {
  readonly file: string | null;
  /** wall-clock ms of the rules in force (boot or last applied reload) */
  readonly loadedAt: number;
  readonly suppressions: number;
  readonly allowList: number;
  /** why the newest file is not in force, or why parts of it wait for a restart */
  readonly problem: string | null;
}

/** Read and validate a detection config file; the error names the file. */
export function readDetectionConfig(file: string): DetectionConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read ${file} as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateDetectionConfig(raw);
}

/** The parts a reload cannot apply to running windows: everything except the rules. */
const withoutRules = (c: DetectionConfig) => JSON.stringify({ ...c, suppressions: [], allowList: [] });

/**
 * Watches DETECT_CONFIG_FILE (every DETECT_RELOAD_MS, by size and mtime) so an
 * analyst can add a scoped, expiring suppression or an allow-list entry without
 * restarting detect, which would drop every open window and baseline. A valid
 * new file's `suppressions` and `allowList` replace the ones in force in every
 * lane; changed thresholds or windows are reported as waiting for a restart; an
 * invalid file changes nothing and is reported (log, counter, /v1/detect/stats).
 */
@Injectable()
export class DetectConfigReloader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly watch: WatchedFile<DetectionConfig> | null;
  private state: ConfigReloadState;
  private readonly reloads: Counter<string>;
  private readonly log: Logger;

  constructor(
    @Inject(DETECT_SETTINGS) private readonly settings: DetectSettings,
    @Inject(DETECT_CONFIG) private readonly booted: DetectionConfig,
    @Inject(DETECT_LANES) private readonly lanes: DetectLanes,
    metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'detect-config' });
    this.reloads = metrics.counter('flowguard_detect_config_reloads_total', 'changes of DETECT_CONFIG_FILE seen, by outcome', ['outcome']);
    // the file as it was when the boot config was read (a change in between is applied by the first check)
    this.watch = settings.configFile ? new WatchedFile(settings.configFile, readDetectionConfig, true) : null;
    this.state = {
      file: settings.configFile ?? null, loadedAt: Date.now(), suppressions: booted.suppressions.length, allowList: booted.allowList.length, problem: null,
    };
  }

  get current(): ConfigReloadState {
    return this.state;
  }

  onApplicationBootstrap(): void {
    if (this.settings.reloadMs) this.watch?.every(this.settings.reloadMs, () => this.check());
  }

  onApplicationShutdown(): void {
    this.watch?.stop();
  }

  /** Look at the file once; applies its rules when it changed and is valid. Returns what happened. */
  check(): 'unchanged' | 'applied' | 'applied_restart_needed' | 'invalid' {
    if (!this.watch) return 'unchanged';
    const file = this.watch.file;
    const r = this.watch.check();
    if (r.outcome === 'unchanged') return 'unchanged';
    if (r.outcome === 'invalid') {
      const problem = `DETECT_CONFIG_FILE ${file} not applied: ${r.error}; the rules in force stay`;
      this.state = { ...this.state, problem };
      this.reloads.inc({ outcome: 'invalid' });
      this.log.error(problem);
      return 'invalid';
    }
    const next = r.value;
    this.lanes.updateRules(next);
    const restart = withoutRules(next) !== withoutRules(this.booted);
    const problem = restart ? 'thresholds, windows or modes in DETECT_CONFIG_FILE changed: they apply after a restart (suppressions and allowList are in force)' : null;
    this.state = { file, loadedAt: Date.now(), suppressions: next.suppressions.length, allowList: next.allowList.length, problem };
    const outcome = restart ? 'applied_restart_needed' : 'applied';
    this.reloads.inc({ outcome });
    this.log.info({ suppressions: next.suppressions.map((r) => r.id), allowList: next.allowList.map((e) => e.id), restartNeeded: restart }, 'detection rules reloaded');
    return outcome;
  }
}
