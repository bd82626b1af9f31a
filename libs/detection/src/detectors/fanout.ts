/**
 * Shared machinery of the vertical scan and horizontal sweep detectors: per
 * window, count distinct "fan-out" values (ports, or hosts) per (source, anchor)
 * entity over probe records only. Responses, payload-carrying records and
 * REJECTs of already-closed connections never count (docs/detectors.md).
 */
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import type { Candidate, EngineContext } from './detector';

export class FanoutWindow {
  readonly entities: KeyIndex;
  readonly seen: KeyIndex;
  distinct = new Int32Array(64);
  probes = new Int32Array(64);
  rejects = new Int32Array(64);
  packets = new Float64Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  /** 1 when a row showed the source as one of our workloads */
  local = new Uint8Array(64);
  readonly evidence: EvidenceSampler;

  constructor(maxEntries: number, maxEvidence: number) {
    this.entities = new KeyIndex(2, 64, maxEntries);
    this.seen = new KeyIndex(3, 256, maxEntries * 4);
    this.evidence = new EvidenceSampler(maxEvidence);
  }

  ensure(n: number): void {
    if (n <= this.distinct.length) return;
    this.distinct = ensureCapacity(this.distinct, n);
    this.probes = ensureCapacity(this.probes, n);
    this.rejects = ensureCapacity(this.rejects, n);
    this.packets = ensureCapacity(this.packets, n);
    this.first = ensureCapacity(this.first, n);
    this.last = ensureCapacity(this.last, n);
    this.local = ensureCapacity(this.local, n);
  }

  reset(): void {
    const n = this.entities.size;
    this.distinct.fill(0, 0, n);
    this.probes.fill(0, 0, n);
    this.rejects.fill(0, 0, n);
    this.packets.fill(0, 0, n);
    this.local.fill(0, 0, n);
    this.entities.clear();
    this.seen.clear();
    this.evidence.clear();
  }
}

export interface FanoutSpec {
  /** anchor of the entity for row i (destination address, or port key) */
  anchor(p: PreparedBatch, row: number): number;
  /** the value counted distinct (port key, or destination address) */
  value(p: PreparedBatch, row: number): number;
  describe(ctx: EngineContext, w: FanoutWindow, entity: number, values: number[], variant: string, windowSec: number, threshold: number, start: number, end: number): Candidate;
}

const COLD_SAMPLES = 1;

/** Ingest probe rows into a set of windows. */
export function ingestFanout(p: PreparedBatch, windows: TumblingWindows<FanoutWindow>, spec: FanoutSpec, hotAt: number, onEvict: () => void): void {
  const b = p.batch;
  const rows = p.rows;
  const flags = p.flags;
  for (let k = p.from; k < p.to; k++) {
    const i = rows[k] as number;
    const f = flags[i] as number;
    if ((f & (RowFlag.PROBE | RowFlag.RESPONSE | RowFlag.CLOSING)) !== RowFlag.PROBE) continue;
    if ((f & (RowFlag.TCP | RowFlag.UDP)) === 0 || (f & RowFlag.DST_NON_UNICAST) !== 0) continue;
    const start = b.start[i] as number;
    const src = p.srcIp[i] as number;
    const anchor = spec.anchor(p, i);
    const value = spec.value(p, i);
    for (let h = 0; h < windows.span; h++) {
      const w = windows.atHop(start, h);
      const e = w.entities.upsert(src, anchor);
      if (e < 0) {
        onEvict();
        continue;
      }
      if (w.entities.added) {
        w.ensure(w.entities.size);
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
      }
      const s = w.seen.upsert(src, anchor, value);
      if (s < 0) onEvict();
      else if (w.seen.added) w.distinct[e]++;
      w.probes[e]++;
      w.packets[e] += b.packets[i] as number;
      if (f & RowFlag.REJECT) w.rejects[e]++;
      if (f & RowFlag.SRC_LOCAL) w.local[e] = 1;
      if (start < (w.first[e] as number)) w.first[e] = start;
      const end = b.end[i] as number;
      if (end > (w.last[e] as number)) w.last[e] = end;
      w.evidence.sample(e, p, i, (w.distinct[e] as number) >= hotAt ? w.evidence.limit : COLD_SAMPLES);
    }
  }
}

/** Close a window: entities at or over threshold become candidates. */
export function closeFanout(
  ctx: EngineContext, w: FanoutWindow, spec: FanoutSpec, threshold: number, variant: string, windowSec: number,
  start: number, end: number, out: Candidate[],
): void {
  const n = w.entities.size;
  let firing: Map<number, number[]> | null = null;
  for (let e = 0; e < n; e++) {
    if ((w.distinct[e] as number) >= threshold) (firing ??= new Map()).set(e, []);
  }
  if (!firing) return;
  // collect the distinct values of firing entities from the seen set
  const seen = w.seen;
  for (let s = 0; s < seen.size; s++) {
    const e = w.entities.find(seen.key(s, 0), seen.key(s, 1));
    const list = firing.get(e);
    if (list) list.push(seen.key(s, 2));
  }
  for (const [e, values] of firing) out.push(spec.describe(ctx, w, e, values, variant, windowSec, threshold, start, end));
}

/** Severity steps for scans: our own workloads scanning matter more than internet background noise. */
export function scanSeverityStep(actorLocal: boolean): number {
  return actorLocal ? 0 : -1;
}
