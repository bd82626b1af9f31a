/**
 * A two-generation Bloom filter of (source, destination, port) triples: "this source exchanged
 * payload with that service recently". Scan detectors use it to count only connections that never
 * got established (Zeek's and Slips' rule): the last records of a finished HTTPS connection (a few
 * FIN/ACK packets without payload) look like probes, but the pair was established, so they are
 * not. Inserting costs two bit sets per row and no allocation; a lookup is done only for the
 * values of entities that reach a threshold. A false positive of the filter (≈1% at a million
 * pairs per generation) can only hide a probe, never invent one.
 */
export class PairFilter {
  private cur: Int32Array;
  private prev: Int32Array;
  private readonly mask: number;
  private genStart = -Infinity;

  /** `bits` = 2^log2Bits per generation; a generation lasts `generationSec` of event time */
  constructor(log2Bits: number, private readonly generationSec: number) {
    this.cur = new Int32Array(1 << (log2Bits - 5));
    this.prev = new Int32Array(1 << (log2Bits - 5));
    this.mask = (1 << log2Bits) - 1;
  }

  /** Rotate generations so that the filter always remembers at least the last generationSec. */
  at(t: number): void {
    if (t < this.genStart + this.generationSec) return;
    const keep = t < this.genStart + 2 * this.generationSec;
    const old = this.prev;
    this.prev = keep ? this.cur : old.fill(0);
    this.cur = keep ? old.fill(0) : this.cur.fill(0);
    this.genStart = t - (t % this.generationSec);
  }

  add(a: number, b: number, c: number): void {
    const h = hash(a, b, c);
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    this.cur[x >>> 5] |= 1 << (x & 31);
    this.cur[y >>> 5] |= 1 << (y & 31);
  }

  has(a: number, b: number, c: number): boolean {
    const h = hash(a, b, c);
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    const bx = 1 << (x & 31);
    const by = 1 << (y & 31);
    return (((this.cur[x >>> 5] as number) & bx) !== 0 && ((this.cur[y >>> 5] as number) & by) !== 0)
      || (((this.prev[x >>> 5] as number) & bx) !== 0 && ((this.prev[y >>> 5] as number) & by) !== 0);
  }
}

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}
