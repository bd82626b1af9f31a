import type { BusMetrics } from '@flowguard/messaging';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per application (not prom-client's global one), so
 * several services can live in one process (all-in-one, tests) without
 * "metric already registered" clashes. Metric names are `flowguard_<area>_<what>`.
 */
export class MetricsService {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter<string>>();
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly histograms = new Map<string, Histogram<string>>();

  constructor(service: string, defaultMetrics = true) {
    this.registry.setDefaultLabels({ service });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'flowguard_' });
  }

  /** Get or create a counter; the same name always returns the same counter. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter<string> {
    let c = this.counters.get(name);
    if (!c) {
      c = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge<string> {
    let g = this.gauges.get(name);
    if (!g) {
      g = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
      this.gauges.set(name, g);
    }
    return g;
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: number[]): Histogram<string> {
    let h = this.histograms.get(name);
    if (!h) {
      h = new Histogram({ name, help, labelNames: [...labelNames], registers: [this.registry], ...(buckets ? { buckets } : {}) });
      this.histograms.set(name, h);
    }
    return h;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** The bus's counters as Prometheus metrics (implements the messaging port's BusMetrics). */
export class PromBusMetrics implements BusMetrics {
  private readonly pub: Counter<string>;
  private readonly con: Counter<string>;
  private readonly dlq: Counter<string>;
  private readonly retry: Counter<string>;

  constructor(metrics: MetricsService) {
    this.pub = metrics.counter('flowguard_bus_published_messages_total', 'messages published, by topic', ['topic']);
    this.con = metrics.counter('flowguard_bus_consumed_messages_total', 'messages handled successfully, by topic and consumer group', ['topic', 'group']);
    this.dlq = metrics.counter('flowguard_bus_dead_lettered_messages_total', 'messages sent to a dead-letter topic, by reason', ['topic', 'group', 'reason']);
    this.retry = metrics.counter('flowguard_bus_retries_total', 'handler retries, by topic and consumer group', ['topic', 'group']);
  }

  published(topic: string, count: number): void { this.pub.inc({ topic }, count); }
  consumed(topic: string, group: string, count: number): void { this.con.inc({ topic, group }, count); }
  deadLettered(topic: string, group: string, reason: string): void { this.dlq.inc({ topic, group, reason }); }
  retried(topic: string, group: string): void { this.retry.inc({ topic, group }); }
}
