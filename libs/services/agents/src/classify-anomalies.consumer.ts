import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { ThreatClassifier } from '@flowguard/agents';
import { Consumers, Topics, type AnomalyV1, type ThreatClassificationV1 } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import { BUS, ConsumersService, LOGGER, MetricsService, Stage } from '@flowguard/service-kit';
import type { Logger } from 'pino';

export const THREAT_CLASSIFIER = Symbol.for('flowguard.ThreatClassifier');

/**
 * anomalies → classifier → classifications. Each delivered batch is classified
 * and published before the bus commits it, so a crash re-classifies (the
 * classifier is deterministic and downstream is idempotent by anomaly id).
 */
@Injectable()
export class ClassifyAnomaliesConsumer implements OnApplicationBootstrap {
  private readonly log: Logger;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(THREAT_CLASSIFIER) private readonly classifier: ThreatClassifier,
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'agents' });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start('classify-anomalies', Stage.agents, {
      group: Consumers.agents,
      topic: Topics.anomalies,
      handle: (batch) => this.handle(batch),
    });
  }

  async handle(batch: ReadonlyArray<Delivered<AnomalyV1>>): Promise<void> {
    const out: ThreatClassificationV1[] = [];
    const timer = this.metrics.histogram('flowguard_agents_classify_seconds', 'time to classify one anomaly', ['provider']);
    for (const { value } of batch) {
      const end = timer.startTimer({ provider: this.classifier.provider });
      const c = await this.classifier.classify(value);
      end();
      out.push(c);
      this.metrics.counter('flowguard_agents_classifications_total', 'classifications by verdict and severity', ['provider', 'verdict', 'severity'])
        .inc({ provider: c.provider, verdict: c.verdict, severity: c.severity });
      this.metrics.counter('flowguard_agents_tokens_total', 'model tokens used', ['provider', 'direction']).inc({ provider: c.provider, direction: 'input' }, c.tokens.input);
      this.metrics.counter('flowguard_agents_tokens_total', 'model tokens used', ['provider', 'direction']).inc({ provider: c.provider, direction: 'output' }, c.tokens.output);
      this.metrics.counter('flowguard_agents_cost_usd_total', 'model cost in USD', ['provider']).inc({ provider: c.provider }, c.costUsd);
      this.log.info({ anomalyId: value.anomalyId, detector: value.detector, verdict: c.verdict, severity: c.severity, mitre: c.mitre.map((m) => m.id) }, 'anomaly classified');
    }
    if (out.length) await this.bus.publish(Topics.classifications, out);
  }
}
