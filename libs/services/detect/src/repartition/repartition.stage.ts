/**
 * Stage 1 of the scaled-out detect service, without any IO: flows.enriched
 * messages in, sub-batches for flows.by-src / flows.by-dst out.
 *
 * State is kept per *origin* (flows.enriched partition), never per process,
 * so whichever instance owns an origin produces the same output for it:
 * - a Repartitioner per origin learns ENI owners from that origin's rows in
 *   order and writes the learned side into the copies (role engines behind it
 *   do not infer directions);
 * - the origin's progress (max event time) and which offsets were split.
 *
 * Rows of one call are merged per bucket (one sub-batch per bucket per call,
 * capped at `maxRowsPerMessage`), stamped with their origin offsets (see
 * origin-stamp.ts). A bucket with no rows in a call still gets an empty
 * sub-batch when the origin's progress moved on by `punctuateEverySec`, so a
 * detect partition learns that the origin advanced even when none of its
 * rows go there (otherwise a quiet bucket would hold its watermark back).
 */
import { FlowBatch } from '@flowguard/contracts';
import { Repartitioner } from '@flowguard/detection';
import type { Delivered } from '@flowguard/messaging';
import { FlowBatchBuilder } from './flow-batch.builder';
import type { OriginStamp } from './origin-stamp';

export type RepartitionTopic = 'src' | 'dst';

/** Splits one origin's batches by source and by destination bucket (arrays of `buckets` batches each). */
export interface FlowRouter {
  split(batch: FlowBatch): { bySrc: FlowBatch[]; byDst: FlowBatch[] };
  /** rows whose side was learned from the ENI owner (diagnostics) */
  readonly inferred?: number;
}

export interface RepartitionOutput {
  readonly topic: RepartitionTopic;
  readonly bucket: number;
  readonly batch: FlowBatch;
  readonly stamp: OriginStamp;
}

export interface RepartitionStageOptions {
  readonly buckets: number;
  readonly inferEniOwner: boolean;
  /** send an empty, stamped sub-batch to a bucket when the origin's progress moved this far since the last one */
  readonly punctuateEverySec: number;
  /** rows per published sub-batch before another is started (message size bound) */
  readonly maxRowsPerMessage?: number;
  /** how rows are routed; default: source / destination address hash (Repartitioner). Specs swap it. */
  readonly router?: (origin: number) => FlowRouter;
}

export interface RepartitionCounters {
  messages: number;
  rows: number;
  subBatches: number;
  punctuations: number;
  /** input messages seen again (redelivery) whose sub-batches had already been published */
  alreadySplit: number;
}

interface Part {
  readonly builder: FlowBatchBuilder;
  rows: Array<readonly [number, number]>;
}

interface OriginState {
  readonly router: FlowRouter;
  lastSplit: number;
  progress: number;
  progressTs: number;
  readonly lastSent: Record<RepartitionTopic, Float64Array>;
  /** outputs of split messages not yet confirmed as published: sent again on a retry */
  pending: { last: number; outputs: RepartitionOutput[] } | null;
}

const TOPICS: readonly RepartitionTopic[] = ['src', 'dst'];

export class RepartitionStage {
  readonly counters: RepartitionCounters = { messages: 0, rows: 0, subBatches: 0, punctuations: 0, alreadySplit: 0 };
  private readonly origins = new Map<number, OriginState>();
  private readonly maxRows: number;

  constructor(private readonly opts: RepartitionStageOptions) {
    if (!Number.isInteger(opts.buckets) || opts.buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${opts.buckets}`);
    this.maxRows = opts.maxRowsPerMessage ?? 16_384;
  }

  get buckets(): number {
    return this.opts.buckets;
  }

  /** Rows whose direction the routers learned from ENI owners, over every origin. */
  get inferred(): number {
    let n = 0;
    for (const o of this.origins.values()) n += o.router.inferred ?? 0;
    return n;
  }

  /** Origins (flows.enriched partitions) this stage has state for. */
  get originIds(): number[] {
    return [...this.origins.keys()].sort((a, b) => a - b);
  }

  /**
   * Split one delivered batch (any mix of partitions, each in offset order).
   * Returns the sub-batches to publish, per (topic, bucket) in order; call
   * `confirm` once they are all published.
   */
  split(messages: ReadonlyArray<Delivered<FlowBatch>>): RepartitionOutput[] {
    const byOrigin = new Map<number, Array<Delivered<FlowBatch>>>();
    for (const m of messages) {
      const list = byOrigin.get(m.meta.partition);
      if (list) list.push(m);
      else byOrigin.set(m.meta.partition, [m]);
    }
    const out: RepartitionOutput[] = [];
    for (const [origin, list] of byOrigin) out.push(...this.splitOrigin(origin, list));
    return out;
  }

  /** The outputs of these origins were published: forget them. */
  confirm(messages: ReadonlyArray<Delivered<FlowBatch>>): void {
    for (const m of messages) {
      const st = this.origins.get(m.meta.partition);
      if (st) st.pending = null;
    }
  }

  private origin(origin: number): OriginState {
    let st = this.origins.get(origin);
    if (!st) {
      const { buckets, inferEniOwner } = this.opts;
      st = {
        router: this.opts.router?.(origin) ?? new Repartitioner({ buckets, inferEniOwner }),
        lastSplit: -1,
        progress: -Infinity,
        progressTs: 0,
        lastSent: { src: new Float64Array(buckets).fill(-Infinity), dst: new Float64Array(buckets).fill(-Infinity) },
        pending: null,
      };
      this.origins.set(origin, st);
    }
    return st;
  }

  private splitOrigin(origin: number, list: ReadonlyArray<Delivered<FlowBatch>>): RepartitionOutput[] {
    const st = this.origin(origin);
    const first = Number((list[0] as Delivered<FlowBatch>).meta.offset);
    // pending outputs of messages before this call's first offset were committed by someone: stale
    if (st.pending && st.pending.last < first) st.pending = null;
    const fresh: RepartitionOutput[] = [];
    const parts: Record<RepartitionTopic, Array<Part | undefined>> = { src: [], dst: [] };
    const emit = (topic: RepartitionTopic, bucket: number, part: Part | undefined) => {
      const batch = part ? part.builder.take() : undefined;
      const stamp: OriginStamp = { origin, rows: part?.rows ?? [], last: st.lastSplit, progress: st.progress, progressTs: st.progressTs };
      if (part) part.rows = [];
      if (!batch || batch.length === 0) this.counters.punctuations++;
      this.counters.subBatches++;
      st.lastSent[topic][bucket] = st.progress;
      fresh.push({ topic, bucket, batch: batch ?? emptyBatch(), stamp });
    };
    for (const m of list) {
      const offset = Number(m.meta.offset);
      if (offset <= st.lastSplit) {
        this.counters.alreadySplit++;
        continue;
      }
      const split = st.router.split(m.value);
      for (const topic of TOPICS) {
        const subs = topic === 'src' ? split.bySrc : split.byDst;
        subs.forEach((sub, bucket) => {
          if (sub.length === 0) return;
          let part = parts[topic][bucket];
          if (!part) {
            part = { builder: new FlowBatchBuilder(Math.min(this.maxRows, sub.length * 2)), rows: [] };
            parts[topic][bucket] = part;
          }
          // whole messages only: the stamp of an earlier sub-batch must cover messages up to lastSplit
          if (part.builder.length > 0 && part.builder.length + sub.length > this.maxRows) emit(topic, bucket, part);
          part.builder.append(sub);
          part.rows.push([offset, sub.length]);
        });
      }
      const maxStart = maxStartOf(m.value);
      if (maxStart > st.progress) {
        st.progress = maxStart;
        st.progressTs = m.meta.timestamp;
      }
      st.lastSplit = offset;
      this.counters.messages++;
      this.counters.rows += m.value.length;
    }
    for (const topic of TOPICS) {
      for (let b = 0; b < this.opts.buckets; b++) {
        const part = parts[topic][b];
        if (part && part.builder.length > 0) emit(topic, b, part);
        else if (st.progress - (st.lastSent[topic][b] as number) >= this.opts.punctuateEverySec) emit(topic, b, undefined);
      }
    }
    const outputs = [...(st.pending?.outputs ?? []), ...fresh];
    st.pending = { last: st.lastSplit, outputs };
    return outputs;
  }
}

function maxStartOf(batch: FlowBatch): number {
  let max = -Infinity;
  const start = batch.start;
  for (let i = 0; i < batch.length; i++) if ((start[i] as number) > max) max = start[i] as number;
  return max;
}

function emptyBatch(): FlowBatch {
  return new FlowBatch(1);
}
