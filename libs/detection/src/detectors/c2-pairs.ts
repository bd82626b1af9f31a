/**
 * Source→destination pairs that beaconing flagged, with the event time they
 * were first flagged, so exfiltration can tell "over the C2 channel" (T1041)
 * from "over another protocol" (T1048). Both detectors are source-keyed, so the
 * shared state stays inside one partition; readers only consider marks made at
 * or before their own window end, which keeps results independent of batching.
 */
import { KeyIndex, ensureCapacity } from '../state/key-index';

export class C2Pairs {
  private readonly index = new KeyIndex(2, 256, 100_000);
  private firstMarked = new Float64Array(256);

  mark(src: number, dst: number, time: number): void {
    const e = this.index.upsert(src, dst);
    if (e < 0) return;
    if (this.index.added) {
      this.firstMarked = ensureCapacity(this.firstMarked, e + 1);
      this.firstMarked[e] = time;
    }
  }

  /** True when the pair was flagged at or before `asOf`. */
  has(src: number, dst: number, asOf: number): boolean {
    const e = this.index.find(src, dst);
    return e >= 0 && (this.firstMarked[e] as number) <= asOf;
  }
}
