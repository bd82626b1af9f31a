import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Topics, type FlowBatch } from '@flowguard/contracts';
import {
  activeAllowEntries, bundledAwsIpRanges, compileAllowList, flowPipelineSink, type AllowListEntry, type AwsIpRanges, type BatchContext,
  type EnrichCounts, type FlowEnricherOptions, type FlowSink, type NoiseFilterConfig,
} from '@flowguard/ingest-pipeline';
import type { Bus } from '@flowguard/messaging';
import { BUS, CLOCK, HealthService, LOGGER, MetricsService } from '@flowguard/service-kit';
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { INGEST_CONFIG, type IngestConfig } from '../ingest.config';
import { FlowStorage } from '../storage/flow-storage.service';
import { readAllowListFile } from './allow-list.file';
import { CountingEnricher, ReloadableNoiseFilter, ReloadableThreatIntel } from './pipeline.components';
import { PipelineStats } from './pipeline.stats';
import { loadThreatIntelFiles, threatIntelFileList } from './threat-intel.files';

/** What one call of the pipeline published and stored. */
export interface PipelineOutcome {
  readonly detection: number;
  readonly storage: number;
}

interface RangesState {
  ranges: AwsIpRanges;
  origin: 'bundled' | 'url' | 'file' | 'previous';
  loadedAt: number;
  error?: string;
}

/**
 * The ONE pipeline every delivery path goes through (HTTP, files, Firehose,
 * Kinesis, S3): flowPipelineSink = threat-intel marks → tier-1 noise filter →
 * enrichment of the detection rows → publish to flows.enriched (awaited: the
 * paths acknowledge upstream after it) and hand the storage rows to
 * {@link FlowStorage}. ip-ranges are reloaded on a timer and the allow-list and
 * threat lists when their files change; a bad reload keeps what was in force.
 */
@Injectable()
export class IngestPipeline implements OnModuleInit, OnApplicationShutdown {
  readonly stats: PipelineStats;
  private pipelineSink?: FlowSink;
  private readonly outcomes = new WeakMap<BatchContext, { detection: number; storage: number }>();
  private filter?: ReloadableNoiseFilter;
  private threatIntel?: ReloadableThreatIntel;
  private enricherSources: string[] = [];
  private ranges?: RangesState;
  private allowList: { entries: AllowListEntry[]; loadedAt: number; error?: string } = { entries: [], loadedAt: 0 };
  private threatLoadedAt = 0;
  private threatError: string | undefined;
  private readonly mtimes = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly reloadFailures: Counter<string>;

  constructor(
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CLOCK) private readonly clock: () => number,
    @Inject(LOGGER) logger: Logger,
    private readonly storage: FlowStorage,
    private readonly health: HealthService,
    metrics: MetricsService,
  ) {
    this.log = logger.child({ component: 'pipeline' });
    this.stats = new PipelineStats(metrics);
    this.reloadFailures = metrics.counter('flowguard_ingest_reload_failures_total', 'reloads of ip-ranges, allow-list or threat lists that failed (the previous version stays in force)', ['what']);
  }

  async onModuleInit(): Promise<void> {
    const p = this.config.pipeline;
    await this.storage.init();
    if (p.threatIntel) {
      this.threatIntel = new ReloadableThreatIntel(loadThreatIntelFiles(p.threatIntel));
      this.threatLoadedAt = this.clock();
      for (const f of threatIntelFileList(p.threatIntel)) this.mtimes.set(f, mtimeOf(f));
    }
    if (p.filter.enabled) await this.setUpFilter();
    const enricher = await this.setUpEnricher();
    this.pipelineSink = flowPipelineSink({
      ...(this.threatIntel ? { threatIntel: this.threatIntel } : {}),
      ...(this.filter ? { filter: this.filter } : {}),
      ...(enricher ? { enricher } : {}),
      publishDetection: async (batch, ctx) => {
        await this.bus.publish(Topics.flowsEnriched, [batch], ctx.key ? { key: ctx.key } : undefined);
        const o = this.outcomes.get(ctx);
        if (o) o.detection += batch.length;
      },
      ...(this.storage.enabled ? {
        store: async (batch: FlowBatch, ctx: BatchContext) => {
          await this.storage.store(batch);
          const o = this.outcomes.get(ctx);
          if (o) o.storage += batch.length;
        },
      } : {}),
      metrics: this.stats,
      now: this.clock,
    });
    if (p.filter.reloadMs > 0 && this.mtimes.size > 0) this.every(p.filter.reloadMs, () => this.reloadFiles());
    this.health.register('pipeline', async () => ({ ok: true, detail: this.describe() }));
    this.log.info({ filter: p.filter.enabled, threatIntel: !!this.threatIntel, enrichment: this.enricherSources, storage: this.storage.enabled }, 'ingest pipeline ready');
  }

  /**
   * Run one parsed batch through the pipeline. Resolves when the detection rows
   * were published and the storage rows handed over; rejects when publishing
   * failed (the caller must not acknowledge upstream).
   */
  async process(batch: FlowBatch, ctx: BatchContext): Promise<PipelineOutcome> {
    if (!this.pipelineSink) throw new Error('the ingest pipeline is not initialised yet');
    // a context of our own per call: the outcome of this call, not of a concurrent one with the same ctx
    const own: BatchContext = { ...ctx };
    const outcome = { detection: 0, storage: 0 };
    this.outcomes.set(own, outcome);
    this.stats.input(ctx.source, batch.length);
    await this.pipelineSink(batch, own);
    return outcome;
  }

  private async setUpFilter(): Promise<void> {
    const f = this.config.pipeline.filter;
    if (f.allowListFile) {
      this.allowList = { entries: readAllowListFile(f.allowListFile), loadedAt: this.clock() };
      this.mtimes.set(f.allowListFile, mtimeOf(f.allowListFile));
    }
    this.ranges = { ranges: bundledAwsIpRanges(), origin: 'bundled', loadedAt: this.clock() };
    this.filter = new ReloadableNoiseFilter(this.filterConfig(), (c) => this.stats.filtered(c));
    if (f.ipRanges === 'bundled') return;
    const { IpRangesSource } = await import('@flowguard/ingest-adapters');
    const signal = this.abort.signal;
    const source = new IpRangesSource({ location: f.ipRanges, fetchFn: (url, init) => fetch(url, { ...init, signal: AbortSignal.any([signal, ...(init?.signal ? [init.signal] : [])]) }) });
    const refresh = async () => {
      const r = await source.load();
      if (signal.aborted) return;
      if (r.error) {
        this.reloadFailures.inc({ what: 'ip-ranges' });
        this.log.warn({ error: r.error, using: r.origin === 'bundled' ? 'bundled snapshot' : 'previous copy' }, 'ip-ranges could not be loaded');
      }
      if (r.origin === 'bundled' && this.ranges?.origin === 'bundled') {
        if (this.ranges) this.ranges.error = r.error;
        return;
      }
      if (r.origin === 'previous') {
        if (this.ranges) this.ranges.error = r.error;
        return;
      }
      this.ranges = { ranges: r.ranges, origin: r.origin, loadedAt: this.clock(), ...(r.error ? { error: r.error } : {}) };
      this.rebuildFilter('ip-ranges');
      this.log.info({ origin: r.origin, syncToken: r.ranges.syncToken, prefixes: r.ranges.prefixCount }, 'ip-ranges loaded; filter rebuilt');
    };
    // a file is local and validated at boot: load it now; a URL loads in the background (the bundled snapshot serves meanwhile)
    if (!/^https?:\/\//i.test(f.ipRanges)) await refresh();
    else void refresh().catch((err: unknown) => this.log.error({ err }, 'ip-ranges refresh failed'));
    this.every(f.ipRangesRefreshMs, () => refresh());
  }

  private filterConfig(): NoiseFilterConfig {
    const f = this.config.pipeline.filter;
    return {
      awsServices: { ...(this.ranges ? { ranges: this.ranges.ranges } : {}) },
      healthChecks: {
        mode: f.healthCheckMode, lbCidrs: f.lbCidrs, lbEnis: f.lbEnis, ports: f.healthCheckPorts,
      },
      allowList: this.allowList.entries,
      storageSampling: { rate: f.storageSampleRate },
    };
  }

  private rebuildFilter(what: string): void {
    try {
      this.filter?.replace(this.filterConfig());
    } catch (err) {
      this.reloadFailures.inc({ what });
      this.log.error({ err, what }, 'filter rebuild failed; the previous filter stays in force');
    }
  }

  private async setUpEnricher(): Promise<CountingEnricher | undefined> {
    const e = this.config.pipeline.enrichment;
    const o: { -readonly [K in keyof FlowEnricherOptions]: FlowEnricherOptions[K] } = { now: this.clock };
    if (e.geo) {
      const { MmdbGeoLookup } = await import('@flowguard/ingest-adapters');
      o.geo = await MmdbGeoLookup.open(e.geoMmdb);
      this.enricherSources.push('geo');
    }
    if (e.asn) {
      const { CsvAsnLookup } = await import('@flowguard/ingest-adapters');
      const asn = await CsvAsnLookup.open({ ...(e.asn.ipv4 ? { ipv4: e.asn.ipv4 } : {}), ...(e.asn.ipv6 ? { ipv6: e.asn.ipv6 } : {}) });
      if (asn.stats.ipv4Ranges === 0) throw new Error(`the ASN table ${e.asn.ipv4 ?? 'bundled'} has no valid IPv4 range`);
      this.log.info({ ...asn.stats }, 'asn table loaded');
      o.asn = asn;
      this.enricherSources.push('asn');
    }
    if (e.eniMetadata) {
      const { Ec2EniMetadataProvider } = await import('@flowguard/ingest-adapters');
      const { EC2Client } = await import('@aws-sdk/client-ec2');
      const local = e.eniMetadata.endpoint && !process.env['AWS_ACCESS_KEY_ID'] ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
      o.eni = new Ec2EniMetadataProvider(new EC2Client({ region: e.eniMetadata.region, ...(e.eniMetadata.endpoint ? { endpoint: e.eniMetadata.endpoint } : {}), ...local }));
      this.enricherSources.push('eni');
    }
    if (e.reverseDns) {
      const { NodeReverseDnsResolver } = await import('@flowguard/ingest-adapters');
      o.dns = new NodeReverseDnsResolver({ ...(e.reverseDns.servers.length ? { servers: [...e.reverseDns.servers] } : {}), timeoutMs: e.reverseDns.timeoutMs });
      o.dnsPerSecond = e.reverseDns.perSecond;
      o.dnsTimeoutMs = e.reverseDns.timeoutMs;
      this.enricherSources.push('dns');
    }
    if (!this.enricherSources.length) return undefined;
    return new CountingEnricher(o, (c: EnrichCounts) => this.stats.enriched(c));
  }

  /**
   * Re-read the allow-list and threat lists whose files changed (size or mtime);
   * keep the old ones when the new ones are bad. The INGEST_RELOAD_MS timer calls it.
   */
  reloadFiles(): void {
    const p = this.config.pipeline;
    const changed = [...this.mtimes].filter(([file, t]) => mtimeOf(file) !== t).map(([file]) => file);
    if (!changed.length) return;
    for (const f of changed) this.mtimes.set(f, mtimeOf(f));
    if (p.filter.allowListFile && changed.includes(p.filter.allowListFile)) {
      try {
        this.allowList = { entries: readAllowListFile(p.filter.allowListFile), loadedAt: this.clock() };
        this.rebuildFilter('allow-list');
        this.log.info({ entries: this.allowList.entries.length }, 'allow-list reloaded');
      } catch (err) {
        this.allowList.error = (err as Error).message;
        this.reloadFailures.inc({ what: 'allow-list' });
        this.log.error({ err }, 'allow-list reload failed; the previous entries stay in force');
      }
    }
    const lists = p.threatIntel;
    if (lists && this.threatIntel && changed.some((f) => threatIntelFileList(lists).includes(f))) {
      try {
        this.threatIntel.replace(loadThreatIntelFiles(lists));
        this.threatLoadedAt = this.clock();
        this.threatError = undefined;
        this.log.info('threat lists reloaded');
      } catch (err) {
        this.threatError = (err as Error).message;
        this.reloadFailures.inc({ what: 'threat-intel' });
        this.log.error({ err }, 'threat list reload failed; the previous lists stay in force');
      }
    }
  }

  private every(ms: number, fn: () => unknown): void {
    const t = setInterval(() => {
      try {
        const r = fn();
        if (r instanceof Promise) r.catch((err: unknown) => this.log.error({ err }, 'pipeline timer failed'));
      } catch (err) {
        this.log.error({ err }, 'pipeline timer failed');
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Configuration in force and what it did: `GET /v1/ingest/stats`. */
  summary(): Record<string, unknown> {
    const p = this.config.pipeline;
    const now = this.clock();
    const { active, expired } = activeAllowEntries(compileAllowList(this.allowList.entries), now);
    const lookup = this.threatIntel?.lookup as { describe?: () => unknown } | undefined;
    return {
      filter: p.filter.enabled ? {
        healthCheckMode: p.filter.healthCheckMode, storageSampleRate: p.filter.storageSampleRate,
        lbCidrs: p.filter.lbCidrs.length, lbEnis: p.filter.lbEnis.length, healthCheckPorts: p.filter.healthCheckPorts,
        ipRanges: this.ranges ? {
          location: p.filter.ipRanges, origin: this.ranges.origin, syncToken: this.ranges.ranges.syncToken, createDate: this.ranges.ranges.createDate,
          prefixes: this.ranges.ranges.prefixCount, loadedAt: this.ranges.loadedAt, ...(this.ranges.error ? { error: this.ranges.error } : {}),
        } : null,
        allowList: {
          file: p.filter.allowListFile ?? null, entries: this.allowList.entries.length, active: active.length,
          expired: expired, loadedAt: this.allowList.loadedAt || null, ...(this.allowList.error ? { error: this.allowList.error } : {}),
        },
      } : null,
      threatIntel: this.threatIntel ? {
        lists: lookup?.describe?.() ?? [], loadedAt: this.threatLoadedAt, ...(this.threatError ? { error: this.threatError } : {}),
      } : null,
      enrichment: {
        sources: this.enricherSources,
        ...(this.enricherSources.includes('geo') ? { geoAttribution: GEO_ATTRIBUTION_TEXT } : {}),
        ...(this.enricherSources.includes('asn') ? { asnAttribution: ASN_ATTRIBUTION_TEXT } : {}),
      },
      totals: this.stats.totals(),
    };
  }

  private describe(): string {
    const parts = [
      this.filter ? `filter (ip-ranges: ${this.ranges?.origin ?? 'none'})` : 'no filter',
      this.threatIntel ? 'threat intel' : 'no threat intel',
      this.enricherSources.length ? `enrichment: ${this.enricherSources.join('+')}` : 'no enrichment',
    ];
    return parts.join(', ');
  }

  onApplicationShutdown(): void {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
  }
}

/** Same text as GEO_ATTRIBUTION of @flowguard/ingest-adapters (not imported: that would load its AWS SDKs at boot). */
const GEO_ATTRIBUTION_TEXT = 'IP-to-country data © Number Resource Organization (nro.net), CC BY 4.0, via ip-location-db';
/** Same text as ASN_ATTRIBUTION of @flowguard/ingest-adapters. */
const ASN_ATTRIBUTION_TEXT = 'IP-to-ASN data © RouteViews (routeviews.org), NRO (nro.net) and DB-IP (db-ip.com), CC BY 4.0, via ip-location-db';

function mtimeOf(file: string): number {
  try {
    const s = statSync(file);
    return s.mtimeMs * 1000 + (s.size % 1000);
  } catch {
    return -1;
  }
}
