/**
 * Two-generation Bloom filters of (source, destination, port) triples: "this source exchanged
 * payload with that service recently". Scan detectors use them to count only connections that never
 * got established (Zeek's and Slips' rule): the last records of a finished HTTPS connection (a few
 * FIN/ACK packets without payload) look like probes, but the pair was established, so they are
 * not. A false positive of a filter (≈1% at a million pairs per generation) can only hide a probe,
 * never invent one.
 *
 * The port-scan and port-sweep detectors insert the same triples and differ only in how long a
 * generation lasts, so they share one bank of filters, one lane each: a triple is hashed once per
 * batch row, and the words of every lane and generation that hold one bit position sit next to
 * each other (one cache line), so an insert costs two cache misses for all lanes together instead
 * of two per lane, and a lookup two instead of four. Each lane answers exactly what a filter of
 * its own would (same bit positions, same rotation).
 */
export class PairFilterBank {
  private readonly log2Bits: number;
  private readonly mask: number;
  /** generation length per lane (event seconds) */
  private readonly genSec: number[] = [];
  private genStart: number[] = [];
  /** which of the two generations of a lane is current (0 or 1) */
  private cur: number[] = [];
  /** per lane and generation: a bit may be set (zeroing is skipped otherwise) */
  private dirty: boolean[] = [];
  /** [word][lane][generation]: stride 2 × lanes per word; allocated at first use */
  private words: Int32Array | null = null;
  private stride = 0;

  /** `bits` = 2^log2Bits per lane and generation */
  constructor(log2Bits = 24) {
    this.log2Bits = log2Bits;
    this.mask = (1 << log2Bits) - 1;
  }

  /** A lane remembering at least the last `generationSec` of event time. Add every lane before the first insert. */
  lane(generationSec: number): PairFilterLane {
    if (this.words !== null) throw new Error('PairFilterBank: lanes must be added before the first insert');
    this.genSec.push(generationSec);
    this.genStart.push(-Infinity);
    this.cur.push(0);
    this.dirty.push(false, false);
    return new PairFilterLane(this, this.genSec.length - 1);
  }

  get lanes(): number {
    return this.genSec.length;
  }

  private table(): Int32Array {
    if (this.words === null) {
      this.stride = 2 * this.genSec.length;
      this.words = new Int32Array((1 << (this.log2Bits - 5)) * this.stride);
    }
    return this.words;
  }

  /** Rotate the generations of every lane so that each always remembers at least its last generationSec. */
  at(t: number): void {
    for (let l = 0; l < this.genSec.length; l++) {
      const gen = this.genSec[l] as number;
      const start = this.genStart[l] as number;
      if (t < start + gen) continue;
      if (t < start + 2 * gen) {
        // the current generation becomes the previous one; the old previous one is emptied and current
        const next = 1 - (this.cur[l] as number);
        this.zero(l, next);
        this.cur[l] = next;
      } else {
        this.zero(l, 0);
        this.zero(l, 1);
      }
      this.genStart[l] = t - (t % gen);
    }
  }

  private zero(lane: number, gen: number): void {
    const d = 2 * lane + gen;
    if (!this.dirty[d]) return;
    const w = this.table();
    const s = this.stride;
    for (let i = d; i < w.length; i += s) w[i] = 0;
    this.dirty[d] = false;
  }

  /** Insert into the current generation of every lane. */
  add(a: number, b: number, c: number): void {
    const w = this.words ?? this.table();
    const h = hash(a, b, c);
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    const s = this.stride;
    const ox = (x >>> 5) * s;
    const oy = (y >>> 5) * s;
    const bx = 1 << (x & 31);
    const by = 1 << (y & 31);
    const cur = this.cur;
    for (let l = 0, o = 0; o < s; l++, o += 2) {
      const g = o + (cur[l] as number);
      w[ox + g] |= bx;
      w[oy + g] |= by;
    }
  }

  /** After a run of {@link add}: the current generations hold bits now. */
  touched(): void {
    for (let l = 0; l < this.genSec.length; l++) this.dirty[2 * l + (this.cur[l] as number)] = true;
  }

  has(lane: number, a: number, b: number, c: number): boolean {
    const w = this.words;
    if (w === null) return false;
    const h = hash(a, b, c);
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    const s = this.stride;
    const ox = (x >>> 5) * s + 2 * lane;
    const oy = (y >>> 5) * s + 2 * lane;
    const bx = 1 << (x & 31);
    const by = 1 << (y & 31);
    const c0 = this.cur[lane] as number;
    const p0 = 1 - c0;
    return (((w[ox + c0] as number) & bx) !== 0 && ((w[oy + c0] as number) & by) !== 0)
      || (((w[ox + p0] as number) & bx) !== 0 && ((w[oy + p0] as number) & by) !== 0);
  }
}

/** One filter of a {@link PairFilterBank}. */
export class PairFilterLane {
  constructor(readonly bank: PairFilterBank, readonly lane: number) {}

  has(a: number, b: number, c: number): boolean {
    return this.bank.has(this.lane, a, b, c);
  }
}

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}
