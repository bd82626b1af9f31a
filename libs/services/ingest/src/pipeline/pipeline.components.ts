/**
 * The pieces flowPipelineSink is built from, made replaceable and countable
 * without changing it: it holds its filter, enricher and threat-intel lookup
 * for life, so these wrappers keep that identity and swap what is inside when
 * ip-ranges, the allow-list or a threat list is reloaded, and report each
 * pass's full counts (the sink itself only reports per-reason totals).
 */
import type { FlowBatch } from '@flowguard/contracts';
import { FlowEnricher, NoiseFilter, type EnrichCounts, type FlowEnricherOptions, type NoiseFilterConfig, type NoiseFilterCounts, type NoiseFilterResult } from '@flowguard/ingest-pipeline';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';

/** A NoiseFilter whose configuration can be replaced between batches. */
export class ReloadableNoiseFilter extends NoiseFilter {
  private current: NoiseFilter;
  private currentConfig: NoiseFilterConfig;

  constructor(config: NoiseFilterConfig, private readonly onCounts: (c: NoiseFilterCounts) => void = () => undefined) {
    super({});
    this.current = new NoiseFilter(config);
    this.currentConfig = config;
  }

  /** Validate and swap in a new configuration; throws (and keeps the old one) when it is invalid. */
  replace(config: NoiseFilterConfig): void {
    this.current = new NoiseFilter(config);
    this.currentConfig = config;
  }

  get config(): NoiseFilterConfig {
    return this.currentConfig;
  }

  override apply(batch: FlowBatch, now: number): NoiseFilterResult {
    const r = this.current.apply(batch, now);
    this.onCounts(r.counts);
    return r;
  }
}

/** A FlowEnricher that reports every pass's counts (per-source hits and failures). */
export class CountingEnricher extends FlowEnricher {
  constructor(options: FlowEnricherOptions, private readonly onCounts: (c: EnrichCounts) => void) {
    super(options);
  }

  override async enrich(batch: FlowBatch): Promise<EnrichCounts> {
    const c = await super.enrich(batch);
    this.onCounts(c);
    return c;
  }
}

/** A threat-intel lookup whose lists can be replaced between batches. */
export class ReloadableThreatIntel implements ThreatIntelLookup {
  constructor(private current: ThreatIntelLookup) {}

  replace(next: ThreatIntelLookup): void {
    this.current = next;
  }

  get lookup(): ThreatIntelLookup {
    return this.current;
  }

  torExit(ip: string): boolean {
    return this.current.torExit(ip);
  }

  torRelay(ip: string): boolean {
    return this.current.torRelay(ip);
  }

  miningPool(ip: string): boolean {
    return this.current.miningPool(ip);
  }

  listed(ip: string): { list: string; reason?: string } | null {
    return this.current.listed(ip);
  }
}
