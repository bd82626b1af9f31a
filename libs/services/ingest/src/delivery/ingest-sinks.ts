import { Inject, Injectable } from '@nestjs/common';
import { Consumers, deadLetterTopic, Topics } from '@flowguard/contracts';
import type { DeadLetterSink, FlowSink, IngestMetrics } from '@flowguard/ingest-pipeline';
import type { Bus } from '@flowguard/messaging';
import { BUS, MetricsService } from '@flowguard/service-kit';
import type { Counter } from 'prom-client';

/**
 * What every delivery path (Firehose, Kinesis, S3) hands its output to: the
 * flow sink publishes a batch to flows.enriched with the path's partition key
 * and resolves only when the bus accepted it (the paths acknowledge upstream
 * after that); the dead-letter sink publishes to the ingest dead-letter topic;
 * the metrics port becomes `flowguard_delivery_<counter>` Prometheus counters
 * (e.g. flowguard_delivery_firehose_requests_total, flowguard_delivery_rows_total).
 */
@Injectable()
export class IngestSinks {
  readonly sink: FlowSink;
  readonly deadLetter: DeadLetterSink;
  readonly metrics: IngestMetrics;

  constructor(@Inject(BUS) bus: Bus, metrics: MetricsService) {
    const dlq = deadLetterTopic(Consumers.ingestRaw);
    const published = metrics.counter('flowguard_ingest_records_total', 'flow records published', ['source']);
    const batches = metrics.counter('flowguard_ingest_batches_published_total', 'FlowBatch messages published to flows.enriched', ['source']);
    const letters = metrics.counter('flowguard_ingest_dead_letters_total', 'bad lines written to the dead-letter topic', ['source']);
    this.sink = async (batch, ctx) => {
      if (batch.length === 0) return;
      await bus.publish(Topics.flowsEnriched, [batch], ctx.key ? { key: ctx.key } : undefined);
      published.inc({ source: ctx.source }, batch.length);
      batches.inc({ source: ctx.source });
    };
    this.deadLetter = async (records) => {
      if (!records.length) return;
      await bus.publish(dlq, records);
      letters.inc({ source: 'delivery' }, records.length);
    };
    this.metrics = new PromIngestMetrics(metrics);
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
