import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Consumers, Topics, type FlowBatch, type TopicDef } from '@flowguard/contracts';
import type { Bus, Delivered } from '@flowguard/messaging';
import { BUS, ConsumersService, MetricsService } from '@flowguard/service-kit';
import { DETECT_REPARTITION, REPARTITION_STAGE } from '../detect.tokens';
import { bucketKeys } from './bucket-keys';
import { stampHeaders } from './origin-stamp';
import type { RepartitionOutput, RepartitionStage, RepartitionTopic } from './repartition.stage';

const TOPIC: Record<RepartitionTopic, TopicDef<FlowBatch>> = { src: Topics.flowsBySource, dst: Topics.flowsByDestination };

/**
 * Stage 1: flows.enriched (group flowguard-detect-repartition) → sub-batches
 * keyed by source bucket on flows.by-src and by destination bucket on
 * flows.by-dst. Sub-batches of one (topic, bucket) are published in order;
 * different buckets in parallel. The batch is acknowledged only after every
 * sub-batch was accepted, so a failure retries the whole call; the stage
 * re-sends the same sub-batches (it keeps them until confirmed) and the lanes
 * drop rows they already have by origin offset.
 */
@Injectable()
export class DetectRepartitionConsumer implements OnApplicationBootstrap {
  private readonly keys: Record<RepartitionTopic, string[]>;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(DETECT_REPARTITION) private readonly stage: RepartitionStage,
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
  ) {
    const buckets = stage.buckets;
    this.keys = { src: bucketKeys(buckets, Topics.flowsBySource.partitions), dst: bucketKeys(buckets, Topics.flowsByDestination.partitions) };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start('detect-repartition', REPARTITION_STAGE, {
      group: Consumers.detectRepartition,
      topic: Topics.flowsEnriched,
      handle: (batch) => this.handle(batch),
    });
  }

  async handle(batch: ReadonlyArray<Delivered<FlowBatch>>): Promise<void> {
    const before = this.stage.counters.rows;
    const t0 = process.hrtime.bigint();
    const outputs = this.stage.split(batch);
    this.metrics.histogram('flowguard_detect_repartition_seconds', 'split time per delivered flows.enriched batch', [], [0.0005, 0.002, 0.01, 0.05, 0.2, 1])
      .observe(Number(process.hrtime.bigint() - t0) / 1e9);
    const groups = new Map<string, RepartitionOutput[]>();
    for (const o of outputs) {
      const k = `${o.topic}:${o.bucket}`;
      const g = groups.get(k);
      if (g) g.push(o);
      else groups.set(k, [o]);
    }
    await Promise.all([...groups.values()].map(async (group) => {
      for (const o of group) {
        await this.bus.publish(TOPIC[o.topic], [o.batch], { key: this.keys[o.topic][o.bucket] as string, headers: stampHeaders(o.stamp) });
      }
    }));
    this.stage.confirm(batch);
    const sub = this.metrics.counter('flowguard_detect_subbatches_total', 'sub-batches published to the repartition topics (punctuation = empty, progress only)', ['topic', 'kind']);
    for (const o of outputs) sub.inc({ topic: o.topic, kind: o.batch.length > 0 ? 'rows' : 'punctuation' });
    this.metrics.counter('flowguard_detect_records_total', 'flow records taken in (repartitioned)').inc(this.stage.counters.rows - before);
  }
}
