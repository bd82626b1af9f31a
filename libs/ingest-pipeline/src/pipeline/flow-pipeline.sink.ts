/**
 * Composes the ingest steps behind one {@link FlowSink}, which every delivery
 * path receives: threat-intel marks (so the filter protects flagged rows) →
 * tier-1 noise filter → enrichment of the detection rows → publish detection
 * and storage outputs. Resolves only when both publishes resolved, so delivery
 * paths still acknowledge upstream only after durable hand-off (ADR 0013).
 * Enrichment columns are written on the detection batch; storage rows carry
 * the marks but not the enrichment columns (enriching rows nobody alerts on
 * would cost EC2/DNS calls for nothing).
 */
import type { FlowBatch } from '@flowguard/contracts';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import type { FlowEnricher } from '../enrich/flow.enricher';
import { markThreatIntel } from '../enrich/threat-intel.marker';
import type { NoiseFilter } from '../filter/noise.filter';
import { noopIngestMetrics, type BatchContext, type FlowSink, type IngestMetrics } from '../ports/ingest.port';

export interface FlowPipelineOptions {
  readonly threatIntel?: ThreatIntelLookup;
  readonly filter?: NoiseFilter;
  readonly enricher?: FlowEnricher;
  /** publish rows for detection (flows.enriched.v1) */
  readonly publishDetection: (batch: FlowBatch, ctx: BatchContext) => Promise<void>;
  /** persist rows for storage (Parquet / OpenSearch); without it storage rows are not kept */
  readonly store?: (batch: FlowBatch, ctx: BatchContext) => Promise<void>;
  readonly metrics?: IngestMetrics;
  readonly now?: () => number;
}

export function flowPipelineSink(o: FlowPipelineOptions): FlowSink {
  const metrics = o.metrics ?? noopIngestMetrics;
  const now = o.now ?? Date.now;
  return async (batch, ctx) => {
    const path = { path: ctx.source };
    if (o.threatIntel) {
      const t = markThreatIntel(batch, o.threatIntel);
      if (t.rows) metrics.add('ingest_threat_intel_rows_total', t.rows, path);
      if (t.degraded) metrics.add('ingest_enrich_degraded_rows_total', t.degraded, { ...path, source: 'threat-intel' });
    }
    let detection = batch;
    let storage = batch;
    if (o.filter) {
      const f = o.filter.apply(batch, now());
      detection = f.detection;
      storage = f.storage;
      for (const [reason, n] of Object.entries(f.counts.droppedFromDetection)) if (n) metrics.add('ingest_filter_dropped_detection_total', n, { ...path, reason });
      for (const [reason, n] of Object.entries(f.counts.sampledOutOfStorage)) if (n) metrics.add('ingest_filter_sampled_out_storage_total', n, { ...path, reason });
      if (f.counts.expiredAllowEntries.length) metrics.add('ingest_allow_list_expired_entries', f.counts.expiredAllowEntries.length, path);
    }
    if (o.enricher && detection.length > 0) {
      const e = await o.enricher.enrich(detection);
      if (e.degraded) metrics.add('ingest_enrich_degraded_rows_total', e.degraded, { ...path, source: 'enricher' });
    }
    await Promise.all([
      detection.length > 0 ? o.publishDetection(detection, ctx) : Promise.resolve(),
      o.store && storage.length > 0 ? o.store(storage, ctx) : Promise.resolve(),
    ]);
    metrics.add('ingest_detection_rows_total', detection.length, path);
    metrics.add('ingest_storage_rows_total', o.store ? storage.length : 0, path);
  };
}
