/**
 * Horizontal scale: detector state is keyed by the source address (scan,
 * sweep, beaconing, long connections, mining, Tor, brute force as attacker,
 * exfiltration, unusual port, listed IPs, telemetry gaps) or by the
 * destination address (floods, brute force as target). Routing every row to
 * the instance that owns its source (or destination) hash bucket lets N
 * engines, each running only the detectors of one keying, produce exactly the
 * findings of one engine running everything.
 */
import { Direction, FlowBatch, LogStatus } from '@flowguard/contracts';
import { fnv1a32 } from '../aggregation/anomaly-id';
import { EniOwnerTracker, Side } from '../engine/eni-owner.tracker';
import { InternTable } from '../engine/intern-table';

// module-level copies: the contracts barrel re-exports through getters, too slow for a per-row read
const NODATA = LogStatus.NODATA;
const SKIPDATA = LogStatus.SKIPDATA;
const NO_DIRECTION = Direction.NONE;
const EGRESS = Direction.EGRESS;
const INGRESS = Direction.INGRESS;

/** Bucket of one address: FNV-1a 32 of its text, modulo the bucket count. */
export function bucketOf(address: string, buckets: number): number {
  return fnv1a32(address) % buckets;
}

/**
 * Split a batch into `buckets` batches by the hash of each row's source or
 * destination address (FlowBatch.select, row order kept, string table shared).
 * Every row lands in exactly one output, NODATA/SKIPDATA rows included.
 */
export function partitionRows(batch: FlowBatch, by: 'src' | 'dst', buckets: number): FlowBatch[] {
  return split(batch, by, buckets).map(({ keep, n }) => batch.select(keep, n));
}

function split(batch: FlowBatch, by: 'src' | 'dst', buckets: number): Array<{ keep: Int32Array; n: number }> {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  const col = by === 'src' ? batch.srcAddr : batch.dstAddr;
  const cache = new Int32Array(batch.strings.size).fill(-1);
  const rowBucket = new Int32Array(batch.length);
  const counts = new Int32Array(buckets);
  for (let i = 0; i < batch.length; i++) {
    const sid = col[i] as number;
    let b = sid < cache.length ? (cache[sid] as number) : -1;
    if (b < 0) {
      b = bucketOf(batch.strings.get(sid), buckets);
      if (sid < cache.length) cache[sid] = b;
    }
    rowBucket[i] = b;
    counts[b]++;
  }
  const out = Array.from({ length: buckets }, (_, b) => ({ keep: new Int32Array(counts[b] as number), n: 0 }));
  for (let i = 0; i < batch.length; i++) {
    const o = out[rowBucket[i] as number] as { keep: Int32Array; n: number };
    o.keep[o.n++] = i;
  }
  return out;
}

/**
 * The repartition stage of a scaled-out deployment: sees every row of its
 * input (e.g. one ENI's stream), learns ENI owners exactly as a single engine
 * would, writes the learned side into the `direction` column of the copies it
 * routes, and splits by source and by destination. Engines behind it run with
 * role 'src' or 'dst' (they do not infer directions themselves).
 */
export class Repartitioner {
  private readonly ips = new InternTable();
  private readonly enis = new InternTable();
  private readonly tracker = new EniOwnerTracker();
  inferred = 0;

  constructor(private readonly opts: { buckets: number; inferEniOwner?: boolean }) {}

  split(batch: FlowBatch): { bySrc: FlowBatch[]; byDst: FlowBatch[] } {
    const side = this.opts.inferEniOwner === false ? null : this.infer(batch);
    const make = (by: 'src' | 'dst') =>
      split(batch, by, this.opts.buckets).map(({ keep, n }) => {
        const out = batch.select(keep, n);
        if (side) {
          for (let j = 0; j < n; j++) {
            const s = side[keep[j] as number] as number;
            if (s === Side.SRC) out.direction[j] = EGRESS;
            else if (s === Side.DST) out.direction[j] = INGRESS;
          }
        }
        return out;
      });
    return { bySrc: make('src'), byDst: make('dst') };
  }

  /**
   * One source-keyed and one destination-keyed engine over the same rows (one bucket each,
   * e.g. the analyze CLI's worker threads): no split and no copy. Learns ENI owners exactly as
   * `split` does and writes the learned side into `batch.direction` itself. Returns the number
   * of rows whose side was learned.
   */
  markDirections(batch: FlowBatch): number {
    if (this.opts.inferEniOwner === false) return 0;
    const before = this.inferred;
    const side = this.infer(batch);
    for (let i = 0; i < batch.length; i++) {
      const s = side[i] as number;
      if (s === Side.SRC) batch.direction[i] = EGRESS;
      else if (s === Side.DST) batch.direction[i] = INGRESS;
    }
    return this.inferred - before;
  }

  /** Same rule and order as DetectionEngine.prepare: OK (or status-less) rows without flow-direction. */
  private infer(batch: FlowBatch): Uint8Array {
    const side = new Uint8Array(batch.length);
    const t = batch.strings;
    const ipMap = this.ips.translation(t);
    const eniMap = this.enis.translation(t);
    for (let i = 0; i < batch.length; i++) {
      const status = batch.logStatus[i] as number;
      if (status === NODATA || status === SKIPDATA) continue;
      if ((batch.direction[i] as number) !== NO_DIRECTION || (batch.interfaceId[i] as number) === 0) continue;
      const src = this.ips.resolve(t, ipMap, batch.srcAddr[i] as number);
      const dst = this.ips.resolve(t, ipMap, batch.dstAddr[i] as number);
      const eni = this.enis.resolve(t, eniMap, batch.interfaceId[i] as number);
      side[i] = this.tracker.observe(eni, src, dst, batch.start[i] as number);
      if (side[i] !== Side.UNKNOWN) this.inferred++;
    }
    return side;
  }
}
