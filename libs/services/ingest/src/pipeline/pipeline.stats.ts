/**
 * What the pipeline did, twice over: Prometheus counters (`flowguard_ingest_*`,
 * scraped from /metrics) and an in-memory summary for `GET /v1/ingest/stats`.
 * It is the {@link IngestMetrics} port flowPipelineSink reports to (per
 * delivery path: rows to detection and storage, drops by reason, threat-intel
 * rows, degraded rows) and is told the full filter and enrichment counts by the
 * counting wrappers (allow-list hits per entry, marks, per-source enrichment).
 * A metrics problem never fails an ingestion.
 */
import type { DropReason, EnrichCounts, IngestMetrics, NoiseFilterCounts } from '@flowguard/ingest-pipeline';
import type { MetricsService } from '@flowguard/service-kit';
import type { Counter } from 'prom-client';

type Tally = Record<string, number>;

const bump = (t: Tally, k: string, n: number) => {
  if (n) t[k] = (t[k] ?? 0) + n;
};

export interface PipelineTotals {
  /** rows handed to the pipeline, by delivery path */
  rowsIn: Tally;
  /** rows published to flows.enriched, by delivery path */
  detectionRows: Tally;
  /** rows handed to flow storage, by delivery path */
  storageRows: Tally;
  filter: {
    droppedFromDetection: Tally;
    sampledOutOfStorage: Tally;
    allowListHits: Tally;
    marked: { healthCheck: number; awsService: number };
    protectedRows: number;
  };
  threatIntel: { rows: number; degradedRows: number };
  enrichment: {
    rows: number; enriched: number; degraded: number;
    geo: { hits: number; failures: number };
    asn: { hits: number; failures: number };
    eni: { hits: number; misses: number; failures: number; cached: number };
    dns: { lookups: number; cached: number; names: number; failures: number; rateLimited: number; overBudget: number };
  };
}

function emptyTotals(): PipelineTotals {
  return {
    rowsIn: {}, detectionRows: {}, storageRows: {},
    filter: { droppedFromDetection: {}, sampledOutOfStorage: {}, allowListHits: {}, marked: { healthCheck: 0, awsService: 0 }, protectedRows: 0 },
    threatIntel: { rows: 0, degradedRows: 0 },
    enrichment: {
      rows: 0, enriched: 0, degraded: 0, geo: { hits: 0, failures: 0 }, asn: { hits: 0, failures: 0 }, eni: { hits: 0, misses: 0, failures: 0, cached: 0 },
      dns: { lookups: 0, cached: 0, names: 0, failures: 0, rateLimited: 0, overBudget: 0 },
    },
  };
}

export class PipelineStats implements IngestMetrics {
  private readonly t = emptyTotals();
  private readonly c: Record<string, Counter<string>>;

  constructor(metrics: MetricsService) {
    const m = (name: string, help: string, labels: string[]) => metrics.counter(`flowguard_ingest_${name}`, help, labels);
    this.c = {
      input: m('pipeline_input_rows_total', 'rows handed to the ingest pipeline, by delivery path', ['path']),
      output: m('pipeline_output_rows_total', 'rows leaving the pipeline, by delivery path and output (detection = flows.enriched, storage = flow storage)', ['path', 'output']),
      dropped: m('filter_dropped_rows_total', 'rows the tier-1 filter removed from detection, by delivery path and reason', ['path', 'reason']),
      sampled: m('filter_sampled_out_rows_total', 'known-benign rows the tier-1 filter sampled out of storage, by delivery path and reason', ['path', 'reason']),
      hits: m('allow_list_hits_total', 'rows matched by each allow-list entry', ['entry']),
      marked: m('filter_marked_rows_total', 'rows the filter marked but kept in detection', ['mark']),
      protected: m('filter_protected_rows_total', 'rows exempt from the filter (REJECT, NODATA/SKIPDATA, threat-intel marked)', []),
      ti: m('threat_intel_rows_total', 'rows given a Tor / mining-pool / threat-list mark, by delivery path', ['path']),
      degraded: m('enrich_degraded_rows_total', 'rows marked ENRICH_DEGRADED, by stage (threat-intel, enrichment)', ['stage']),
      failures: m('enrich_source_failures_total', 'enrichment source failures (geo lookup, EC2 call, DNS lookup), by source', ['source']),
      lookups: m('enrich_lookups_total', 'enrichment lookups by source and outcome', ['source', 'outcome']),
      enriched: m('enrich_rows_total', 'detection rows through enrichment, by outcome', ['outcome']),
    };
  }

  /** The sink's port (flowPipelineSink): counter names of libs/ingest-pipeline mapped to ours. */
  add(counter: string, value: number, labels: Readonly<Record<string, string>> = {}): void {
    if (!value) return;
    const path = labels['path'] ?? 'unknown';
    try {
      switch (counter) {
        case 'ingest_detection_rows_total':
          bump(this.t.detectionRows, path, value);
          this.c['output']?.inc({ path, output: 'detection' }, value);
          break;
        case 'ingest_storage_rows_total':
          bump(this.t.storageRows, path, value);
          this.c['output']?.inc({ path, output: 'storage' }, value);
          break;
        case 'ingest_filter_dropped_detection_total':
          bump(this.t.filter.droppedFromDetection, labels['reason'] ?? 'unknown', value);
          this.c['dropped']?.inc({ path, reason: labels['reason'] ?? 'unknown' }, value);
          break;
        case 'ingest_filter_sampled_out_storage_total':
          bump(this.t.filter.sampledOutOfStorage, labels['reason'] ?? 'unknown', value);
          this.c['sampled']?.inc({ path, reason: labels['reason'] ?? 'unknown' }, value);
          break;
        case 'ingest_threat_intel_rows_total':
          this.t.threatIntel.rows += value;
          this.c['ti']?.inc({ path }, value);
          break;
        case 'ingest_enrich_degraded_rows_total':
          // the enricher's own rows are counted from its full counts (enriched())
          if (labels['source'] === 'threat-intel') {
            this.t.threatIntel.degradedRows += value;
            this.c['degraded']?.inc({ stage: 'threat-intel' }, value);
          }
          break;
        default:
          // ingest_allow_list_expired_entries: per batch, not a count of rows; the stats show the entries instead
          break;
      }
    } catch {
      // a metrics problem must not fail the batch
    }
  }

  input(path: string, rows: number): void {
    bump(this.t.rowsIn, path, rows);
    this.c['input']?.inc({ path }, rows);
  }

  /** Full counts of one filter pass (allow-list hits per entry, marks, protected rows). */
  filtered(counts: NoiseFilterCounts): void {
    for (const [entry, n] of Object.entries(counts.allowListHits)) {
      bump(this.t.filter.allowListHits, entry, n);
      this.c['hits']?.inc({ entry }, n);
    }
    this.t.filter.marked.healthCheck += counts.marked.healthCheck;
    this.t.filter.marked.awsService += counts.marked.awsService;
    if (counts.marked.healthCheck) this.c['marked']?.inc({ mark: 'health_check' }, counts.marked.healthCheck);
    if (counts.marked.awsService) this.c['marked']?.inc({ mark: 'large_aws_transfer' }, counts.marked.awsService);
    if (counts.protectedRows) {
      this.t.filter.protectedRows += counts.protectedRows;
      this.c['protected']?.inc({}, counts.protectedRows);
    }
  }

  /** Full counts of one enrichment pass. */
  enriched(c: EnrichCounts): void {
    const e = this.t.enrichment;
    e.rows += c.rows;
    e.enriched += c.enriched;
    e.degraded += c.degraded;
    for (const k of ['hits', 'failures'] as const) e.geo[k] += c.geo[k];
    for (const k of ['hits', 'failures'] as const) e.asn[k] += c.asn[k];
    for (const k of ['hits', 'misses', 'failures', 'cached'] as const) e.eni[k] += c.eni[k];
    for (const k of ['lookups', 'cached', 'names', 'failures', 'rateLimited', 'overBudget'] as const) e.dns[k] += c.dns[k];
    const inc = (key: string, labels: Record<string, string>, n: number) => {
      if (n) this.c[key]?.inc(labels, n);
    };
    inc('enriched', { outcome: 'enriched' }, c.enriched);
    inc('enriched', { outcome: 'degraded' }, c.degraded);
    inc('degraded', { stage: 'enrichment' }, c.degraded);
    inc('failures', { source: 'geo' }, c.geo.failures);
    inc('failures', { source: 'asn' }, c.asn.failures);
    inc('failures', { source: 'eni' }, c.eni.failures);
    inc('failures', { source: 'dns' }, c.dns.failures);
    inc('lookups', { source: 'geo', outcome: 'hit' }, c.geo.hits);
    inc('lookups', { source: 'asn', outcome: 'hit' }, c.asn.hits);
    inc('lookups', { source: 'eni', outcome: 'hit' }, c.eni.hits);
    inc('lookups', { source: 'eni', outcome: 'miss' }, c.eni.misses);
    inc('lookups', { source: 'eni', outcome: 'cached' }, c.eni.cached);
    inc('lookups', { source: 'dns', outcome: 'lookup' }, c.dns.lookups);
    inc('lookups', { source: 'dns', outcome: 'cached' }, c.dns.cached);
    inc('lookups', { source: 'dns', outcome: 'rate_limited' }, c.dns.rateLimited);
    inc('lookups', { source: 'dns', outcome: 'over_budget' }, c.dns.overBudget);
  }

  totals(): PipelineTotals {
    return structuredClone(this.t);
  }

  /** Rows dropped from detection for `reason` so far (all paths). */
  dropped(reason: DropReason): number {
    return this.t.filter.droppedFromDetection[reason] ?? 0;
  }
}
