import { readFileSync } from 'node:fs';
import type { FlowBatch } from '@flowguard/contracts';
import {
  type AwsIpRanges, DROP_REASONS, type DropReason, IpRangesError, NoiseFilter, ThreatIntelMemo, bundledAwsIpRanges, markThreatIntel,
  parseAwsIpRanges,
} from '@flowguard/ingest-pipeline';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import { UsageError } from './cli-args';

export type PipelineMode = 'full' | 'engine';

export interface StageOptions {
  /** full (default): the service's ingest stages before detection; engine: detection only */
  mode: PipelineMode;
  threatIntel: ThreatIntelLookup;
  ipRanges?: AwsIpRanges;
  /** load-balancer private IPs/subnets and ENIs: their small periodic flows are marked health checks */
  lbCidrs?: string[];
  lbEnis?: string[];
}

/** What detection gets from one batch: rows[0..length) of `batch` (ascending), or all of it when rows is null. */
export interface StagedBatch {
  batch: FlowBatch;
  rows: Uint32Array | null;
  length: number;
}

export interface StageCounts {
  input: number;
  toDetection: number;
  droppedFromDetection: Record<DropReason, number>;
  healthChecksMarked: number;
  threatMarked: number;
}

/**
 * The ingest stages the service runs before detection, from @flowguard/ingest-pipeline:
 * threat-intel marks (so flagged rows are protected), then the tier-1 noise filter's
 * detection output (AWS endpoint services dropped, LB health checks marked). With mode
 * `engine` batches go to the engine untouched.
 */
export class IngestStages {
  readonly counts: StageCounts = {
    input: 0, toDetection: 0, healthChecksMarked: 0, threatMarked: 0,
    droppedFromDetection: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>,
  };
  private readonly filter: NoiseFilter | null;
  /** the run's threat intel never changes: its answers are kept across batches */
  private readonly memo: ThreatIntelMemo;

  constructor(private readonly o: StageOptions) {
    this.memo = new ThreatIntelMemo(o.threatIntel);
    this.filter = o.mode === 'engine' ? null : new NoiseFilter({
      awsServices: { ranges: o.ipRanges ?? bundledAwsIpRanges() },
      healthChecks: { mode: 'mark', ...(o.lbCidrs ? { lbCidrs: o.lbCidrs } : {}), ...(o.lbEnis ? { lbEnis: o.lbEnis } : {}) },
    });
  }

  /** The rows of `batch` detection gets (the input itself is marked); no copy is made. */
  apply(batch: FlowBatch): StagedBatch {
    this.counts.input += batch.length;
    if (!this.filter) {
      this.counts.toDetection += batch.length;
      return { batch, rows: null, length: batch.length };
    }
    const m = markThreatIntel(batch, this.o.threatIntel, this.memo);
    this.counts.threatMarked += m.torExit + m.torRelay + m.miningPool + m.listed;
    const r = this.filter.apply(batch, Date.now());
    const length = r.counts.detection;
    this.counts.toDetection += length;
    this.counts.healthChecksMarked += r.counts.marked.healthCheck;
    for (const k of DROP_REASONS) this.counts.droppedFromDetection[k] += r.counts.droppedFromDetection[k];
    return { batch, rows: r.detectionRows, length };
  }

  describe(): string {
    if (!this.filter) return 'pipeline: engine only (no ingest filter)';
    const c = this.counts;
    const dropped = DROP_REASONS.filter((k) => c.droppedFromDetection[k] > 0).map((k) => `${k} ${c.droppedFromDetection[k]}`);
    return `ingest stages: ${c.input - c.toDetection} of ${c.input} rows kept out of detection` +
      `${dropped.length ? ` (${dropped.join(', ')})` : ''}; ${c.healthChecksMarked} marked health checks; ${c.threatMarked} threat-intel marks`;
  }
}

/** `--ip-ranges FILE`: an ip-ranges.json download (the bundled snapshot is a small fallback). */
export function loadIpRanges(file: string | undefined): AwsIpRanges | undefined {
  if (file === undefined) return undefined;
  try {
    return parseAwsIpRanges(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof IpRangesError) throw new UsageError(`--ip-ranges ${file}: ${e.message}`);
    throw new UsageError(`cannot read --ip-ranges ${file}: ${(e as Error).message}`);
  }
}
