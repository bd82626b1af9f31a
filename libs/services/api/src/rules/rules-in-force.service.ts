import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AnomalyRules, readRules, type Rules } from '@flowguard/rules';
import { LOGGER, MetricsService, WatchedFile } from '@flowguard/service-kit';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { API_RULES_SETTINGS, type ApiRulesSettings } from './api-rules.config';

export interface RulesState {
  readonly file: string | null;
  /** wall-clock ms the rules in force were read */
  readonly loadedAt: number | null;
  readonly rules: Rules;
  /** why the newest file is not in force (the previous rules stay) */
  readonly problem: string | null;
}

const NONE: Rules = { suppressions: [], allowList: [] };

/**
 * The suppression rules and allow list in force for the api: read from the rules file
 * (API_RULES_FILE, default DETECT_CONFIG_FILE) at boot and whenever it changes, so a rule
 * an analyst adds applies to stored anomalies at query time as well as to what detect emits
 * from now on. An unreadable or invalid file never stops the api: the rules in force stay
 * (none at boot), and the problem is reported on `GET /v1/rules`, in the log and in
 * `flowguard_api_rules_reloads_total{outcome="invalid"}`.
 */
@Injectable()
export class RulesInForce implements OnApplicationBootstrap, OnApplicationShutdown {
  private state: RulesState;
  private compiled: AnomalyRules;
  private readonly watch: WatchedFile<Rules> | null;
  private readonly reloads: Counter<string>;
  private readonly log: Logger;

  constructor(@Inject(API_RULES_SETTINGS) private readonly settings: ApiRulesSettings, metrics: MetricsService, @Inject(LOGGER) logger: Logger) {
    this.log = logger.child({ component: 'api-rules' });
    this.reloads = metrics.counter('flowguard_api_rules_reloads_total', 'changes of the rules file seen by the api, by outcome', ['outcome']);
    this.state = { file: settings.file ?? null, loadedAt: null, rules: NONE, problem: null };
    this.compiled = new AnomalyRules(NONE);
    this.watch = settings.file ? new WatchedFile(settings.file, (f) => readRules(JSON.parse(readFileSync(f, 'utf8')))) : null;
    this.check();
  }

  get current(): RulesState {
    return this.state;
  }

  get rules(): AnomalyRules {
    return this.compiled;
  }

  onApplicationBootstrap(): void {
    if (this.settings.reloadMs) this.watch?.every(this.settings.reloadMs, () => this.check());
  }

  onApplicationShutdown(): void {
    this.watch?.stop();
  }

  /** Look at the file once; takes its rules when it changed and is valid. */
  check(): 'unchanged' | 'applied' | 'invalid' {
    if (!this.watch) return 'unchanged';
    const file = this.watch.file;
    const r = this.watch.check();
    if (r.outcome === 'unchanged') return 'unchanged';
    if (r.outcome === 'invalid') {
      const problem = `rules file ${file} not applied: ${r.error}; the rules in force stay`;
      this.state = { ...this.state, problem };
      this.reloads.inc({ outcome: 'invalid' });
      this.log.error(problem);
      return 'invalid';
    }
    const rules = r.value;
    this.compiled = new AnomalyRules(rules);
    this.state = { file, loadedAt: Date.now(), rules, problem: null };
    this.reloads.inc({ outcome: 'applied' });
    this.log.info({ suppressions: rules.suppressions.map((r) => r.id), allowList: rules.allowList.map((e) => e.id) }, 'rules in force');
    return 'applied';
  }
}

