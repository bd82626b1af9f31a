/**
 * Learns which address belongs to each ENI when records carry no
 * flow-direction (formats v2–v4). Every record of an ENI has the ENI's own
 * primary address as source (egress) or destination (ingress), so the
 * intersection of the {src, dst} pairs of two records with different peers is
 * the owner. A run of records that do not contain the owner (ENI reassigned,
 * secondary addresses) resets the guess.
 *
 * Keys are caller-chosen integers (engine IP ids, ENI ids), so the detection
 * engine and the repartitioner run the same algorithm on the same row order
 * and reach the same answers.
 */
import { ensureCapacity } from '../state/key-index';

export const Side = { UNKNOWN: 0, SRC: 1, DST: 2 } as const;

const RESET_AFTER_MISSES = 16;

export class EniOwnerTracker {
  private owner = new Int32Array(256).fill(-1);
  private candA = new Int32Array(256).fill(-1);
  private candB = new Int32Array(256).fill(-1);
  private misses = new Uint16Array(256);
  private lastSeen = new Uint32Array(256);

  private grow(eni: number): void {
    if (eni < this.owner.length) return;
    const old = this.owner.length;
    this.owner = ensureCapacity(this.owner, eni + 1);
    this.candA = ensureCapacity(this.candA, eni + 1);
    this.candB = ensureCapacity(this.candB, eni + 1);
    this.misses = ensureCapacity(this.misses, eni + 1);
    this.lastSeen = ensureCapacity(this.lastSeen, eni + 1);
    this.owner.fill(-1, old);
    this.candA.fill(-1, old);
    this.candB.fill(-1, old);
  }

  /** Observe one record; returns which side is the ENI's own address ({@link Side}). */
  observe(eni: number, src: number, dst: number, time: number): number {
    this.grow(eni);
    this.lastSeen[eni] = time;
    const o = this.owner[eni] as number;
    if (o >= 0) {
      if (src === o) {
        this.misses[eni] = 0;
        return Side.SRC;
      }
      if (dst === o) {
        this.misses[eni] = 0;
        return Side.DST;
      }
      if (++(this.misses[eni] as number) > RESET_AFTER_MISSES) this.reset(eni, src, dst);
      return Side.UNKNOWN;
    }
    const a = this.candA[eni] as number;
    const b = this.candB[eni] as number;
    if (a < 0) {
      this.reset(eni, src, dst);
      return Side.UNKNOWN;
    }
    const srcIn = src === a || src === b;
    const dstIn = dst === a || dst === b;
    if (srcIn && dstIn) return Side.UNKNOWN; // same pair (or its reverse): no new information
    if (srcIn) {
      this.owner[eni] = src;
      this.misses[eni] = 0;
      return Side.SRC;
    }
    if (dstIn) {
      this.owner[eni] = dst;
      this.misses[eni] = 0;
      return Side.DST;
    }
    this.reset(eni, src, dst);
    return Side.UNKNOWN;
  }

  ownerOf(eni: number): number {
    return eni < this.owner.length ? (this.owner[eni] as number) : -1;
  }

  private reset(eni: number, src: number, dst: number): void {
    this.owner[eni] = -1;
    this.candA[eni] = src;
    this.candB[eni] = dst;
    this.misses[eni] = 0;
  }

  /** Forget ENIs not seen since `before` (their address ids may be recycled). */
  forgetIdle(before: number): void {
    for (let e = 0; e < this.owner.length; e++) {
      if ((this.lastSeen[e] as number) < before && ((this.owner[e] as number) >= 0 || (this.candA[e] as number) >= 0)) {
        this.owner[e] = -1;
        this.candA[e] = -1;
        this.candB[e] = -1;
      }
    }
  }
}
