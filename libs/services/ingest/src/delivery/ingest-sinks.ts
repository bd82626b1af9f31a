import { Inject, Injectable } from '@nestjs/common';
import { Consumers, deadLetterTopic, splitFlowBatch, type FlowBatch } from '@flowguard/contracts';
import type { BatchContext, DeadLetterSink, FlowSink, IngestMetrics } from '@flowguard/ingest-pipeline';
import type { Bus } from '@flowguard/messaging';
import { BUS, MetricsService } from '@flowguard/service-kit';
import type { Counter } from 'prom-client';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { IngestPipeline, type PipelineOutcome } from '../pipeline/ingest-pipeline.service';

/**
 * What every delivery path (HTTP, files, Firehose, Kinesis, S3) hands its
 * output to: the flow sink runs a parsed batch through the ingest pipeline
 * (threat-intel marks → tier-1 filter → enrichment → flows.enriched + flow
 * storage) and resolves only when the detection rows were published (the paths
 * acknowledge upstream after that); the dead-letter sink publishes to the
 * ingest dead-letter topic; the metrics port becomes `flowguard_delivery_<counter>`
 * Prometheus counters (e.g. flowguard_delivery_firehose_requests_total).
 *
 * A batch over INGEST_BATCH_ROWS (a Kinesis GetRecords response of thousands of
 * CloudWatch payloads, a large Firehose request) goes through as parts of at
 * most that many rows, each with its own string table, so no message outgrows
 * the topic's max.message.bytes; the sink resolves when every part is published.
 */
@Injectable()
export class IngestSinks {
  readonly sink: FlowSink;
  readonly deadLetter: DeadLetterSink;
  readonly metrics: IngestMetrics;
  private readonly parsed: Counter<string>;
  private readonly batches: Counter<string>;
  private readonly split: Counter<string>;

  constructor(
    @Inject(BUS) bus: Bus, metrics: MetricsService, private readonly pipeline: IngestPipeline, @Inject(INGEST_CONFIG) config: IngestConfig,
  ) {
    const dlq = deadLetterTopic(Consumers.ingestRaw);
    this.parsed = metrics.counter('flowguard_ingest_records_total', 'flow records parsed and handed to the pipeline', ['source']);
    this.batches = metrics.counter('flowguard_ingest_batches_published_total', 'FlowBatch messages published to flows.enriched', ['source']);
    const letters = metrics.counter('flowguard_ingest_dead_letters_total', 'bad lines written to the dead-letter topic', ['source']);
    this.split = metrics.counter('flowguard_ingest_batches_split_total', 'delivered batches over INGEST_BATCH_ROWS, published as several messages', ['source']);
    this.sink = async (batch, ctx) => {
      const parts = splitFlowBatch(batch, config.batchRows);
      if (parts.length === 1) {
        await this.run(batch, ctx);
        return;
      }
      this.split.inc({ source: ctx.source });
      for (let i = 0; i < parts.length; i++) await this.run(parts[i] as FlowBatch, { ...ctx, position: `${ctx.position} part ${i + 1}/${parts.length}` });
    };
    this.deadLetter = async (records) => {
      if (!records.length) return;
      await bus.publish(dlq, records);
      letters.inc({ source: 'delivery' }, records.length);
    };
    this.metrics = new PromIngestMetrics(metrics);
  }

  /** One parsed batch through the pipeline; what it published and stored. */
  async run(batch: FlowBatch, ctx: BatchContext): Promise<PipelineOutcome> {
    if (batch.length === 0) return { detection: 0, storage: 0 };
    const outcome = await this.pipeline.process(batch, ctx);
    this.parsed.inc({ source: ctx.source }, batch.length);
    if (outcome.detection > 0) this.batches.inc({ source: ctx.source });
    return outcome;
  }
}

/**
 * The delivery paths' counter port on prom-client. Labels are fixed by the
 * first use of a counter; a metrics problem never fails an ingestion.
 */
class PromIngestMetrics implements IngestMetrics {
  private readonly counters = new Map<string, { counter: Counter<string>; labels: string[] }>();

  constructor(private readonly metrics: MetricsService) {}

  add(counter: string, value: number, labels: Readonly<Record<string, string>> = {}): void {
    const base = counter.replace(/^ingest_/, '').replace(/[^a-zA-Z0-9_]/g, '_');
    const name = `flowguard_delivery_${base}${base.endsWith('_total') ? '' : '_total'}`;
    try {
      let c = this.counters.get(name);
      if (!c) {
        const labelNames = Object.keys(labels).sort();
        c = { counter: this.metrics.counter(name, `ingest delivery path counter ${counter}`, labelNames), labels: labelNames };
        this.counters.set(name, c);
      }
      const known: Record<string, string> = {};
      for (const l of c.labels) known[l] = labels[l] ?? '';
      c.counter.inc(known, value);
    } catch {
      // a counter registered elsewhere with other labels: drop the sample rather than the batch
    }
  }
}
