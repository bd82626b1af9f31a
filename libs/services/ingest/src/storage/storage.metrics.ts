/**
 * Flow-storage figures as Prometheus series (`flowguard_flows_*`). The writer,
 * indexer and retention timers keep their own cumulative counters; `sync()`
 * turns their growth since the last call into counter increments and sets the
 * gauges, so /metrics never reads half-updated objects.
 */
import type { OpenSearchIndexerMetrics, ParquetWriterMetrics, RetentionMetrics } from '@flowguard/flow-storage';
import type { MetricsService } from '@flowguard/service-kit';
import type { Counter, Gauge } from 'prom-client';

export class StorageMetrics {
  private readonly last = new Map<string, number>();
  private readonly errors: Record<string, number> = {};
  private readonly c: Record<'rows' | 'files' | 'bytes' | 'lost' | 'docs' | 'skipped' | 'errors' | 'queries' | 'deleted', Counter<string>>;
  private readonly g: Record<'buffered' | 'open' | 'inflight', Gauge<string>>;

  constructor(m: MetricsService) {
    this.c = {
      rows: m.counter('flowguard_flows_parquet_rows_committed_total', 'flow rows in committed (durable) Parquet files'),
      files: m.counter('flowguard_flows_parquet_files_committed_total', 'Parquet files committed, by roll reason', ['reason']),
      bytes: m.counter('flowguard_flows_parquet_bytes_committed_total', 'bytes of committed Parquet files'),
      lost: m.counter('flowguard_flows_parquet_rows_lost_total', 'rows in Parquet files whose write or commit failed'),
      docs: m.counter('flowguard_flows_opensearch_docs_total', 'flow documents by outcome (indexed, dead_lettered)', ['outcome']),
      skipped: m.counter('flowguard_flows_rows_skipped_total', 'rows not stored because the store was not ready (OpenSearch without its index template)', ['store']),
      errors: m.counter('flowguard_flows_storage_errors_total', 'failed storage writes, by store (detection is not affected)', ['store']),
      queries: m.counter('flowguard_flows_history_queries_total', 'history queries by backend and outcome (ok, invalid, error)', ['backend', 'outcome']),
      deleted: m.counter('flowguard_flows_retention_deleted_total', 'files or indices deleted by retention'),
    };
    this.g = {
      buffered: m.gauge('flowguard_flows_parquet_rows_buffered', 'rows buffered in open Parquet files (not yet durable)'),
      open: m.gauge('flowguard_flows_parquet_open_files', 'Parquet files open'),
      inflight: m.gauge('flowguard_flows_opensearch_in_flight_bytes', 'bulk bytes outstanding to OpenSearch'),
    };
  }

  private grow(key: string, value: number, counter: Counter<string>, labels: Record<string, string> = {}): void {
    const d = value - (this.last.get(key) ?? 0);
    this.last.set(key, value);
    if (d > 0) counter.inc(labels, d);
  }

  sync(p: ParquetWriterMetrics | undefined, o: OpenSearchIndexerMetrics | undefined, retention: RetentionMetrics[]): void {
    try {
      if (p) {
        this.grow('rows', p.rowsCommitted, this.c.rows);
        this.grow('bytes', p.bytesCommitted, this.c.bytes);
        this.grow('lost', p.rowsLost, this.c.lost);
        for (const [reason, n] of Object.entries(p.rolls)) this.grow(`files.${reason}`, n, this.c.files, { reason });
        this.g.buffered.set(p.rowsBuffered);
        this.g.open.set(p.openFiles);
      }
      if (o) {
        this.grow('indexed', o.docsIndexed, this.c.docs, { outcome: 'indexed' });
        this.grow('dead', o.docsDeadLettered, this.c.docs, { outcome: 'dead_lettered' });
        this.g.inflight.set(o.inFlightBytes);
      }
      this.grow('deleted', retention.reduce((n, r) => n + r.objectsDeleted, 0), this.c.deleted);
    } catch {
      // metrics never fail a write
    }
  }

  skipped(store: string, rows: number): void {
    this.c.skipped.inc({ store }, rows);
  }

  error(store: string): void {
    this.errors[store] = (this.errors[store] ?? 0) + 1;
    this.c.errors.inc({ store });
  }

  errorCounts(): Record<string, number> {
    return { ...this.errors };
  }

  query(backend: string, outcome: 'ok' | 'invalid' | 'error'): void {
    this.c.queries.inc({ backend, outcome });
  }
}
