/**
 * Retention sweeps for the two stores. Both keep whole UTC days: with
 * `days = 7` on 2024-03-10 everything dated before 2024-03-03 goes.
 */
import type { Client } from '@opensearch-project/opensearch';
import { DEFAULT_INDEX_PREFIX, dailyIndexDate } from '../opensearch/flow-index.template';
import { retentionCutoffDate } from '../parquet/partition-path';
import type { FlowObjectSink } from '../sinks/object-sink.port';
import type { SweepResult } from './retention.timer';

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 1) throw new Error(`retention days must be a positive integer, got ${days}`);
}

/** Deletes `date=` partitions older than `days` from a Parquet sink (local directories or S3 prefixes). */
export class ParquetRetention {
  constructor(private readonly o: { sink: FlowObjectSink; days: number; now?: () => number }) {
    checkDays(o.days);
  }

  async sweep(): Promise<SweepResult> {
    const cutoff = retentionCutoffDate((this.o.now ?? Date.now)(), this.o.days);
    return this.o.sink.deleteDatesBefore(cutoff);
  }
}

/**
 * Deletes daily flow indices older than `days`. For clusters without the ISM
 * plugin (and as a safety net where ISM is late): the index name carries its day.
 */
export class OpenSearchFlowRetention {
  constructor(private readonly o: { client: Client; days: number; prefix?: string; now?: () => number }) {
    checkDays(o.days);
  }

  async sweep(): Promise<SweepResult & { deleted: string[] }> {
    const prefix = this.o.prefix ?? DEFAULT_INDEX_PREFIX;
    const cutoff = retentionCutoffDate((this.o.now ?? Date.now)(), this.o.days);
    const res = await this.o.client.cat.indices({ index: `${prefix}-*`, format: 'json', expand_wildcards: 'open,closed' } as never);
    const rows = (res.body as unknown as { index?: string }[]) ?? [];
    const deleted = rows
      .map((r) => r.index ?? '')
      .filter((name) => {
        const d = dailyIndexDate(name, prefix);
        return d !== undefined && d < cutoff;
      })
      .sort();
    // a bounded URL per call: ~40 names
    for (let i = 0; i < deleted.length; i += 40) {
      await this.o.client.indices.delete({ index: deleted.slice(i, i + 40).join(',') });
    }
    return { partitions: deleted.length, objects: deleted.length, deleted };
  }
}
