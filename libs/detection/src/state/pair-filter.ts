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
  constructor(log2Bits: number, readonly generationSec: number) {
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
    this.addHash(pairHash(a, b, c));
  }

  /** {@link add} with the triple's {@link pairHash} already computed (one hash for several filters). */
  addHash(h: number): void {
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    this.cur[x >>> 5] |= 1 << (x & 31);
    this.cur[y >>> 5] |= 1 << (y & 31);
  }

  has(a: number, b: number, c: number): boolean {
    const h = pairHash(a, b, c);
    const m = this.mask;
    const x = h & m;
    const y = (Math.imul(h, 0x27d4eb2f) >>> 7) & m;
    const bx = 1 << (x & 31);
    const by = 1 << (y & 31);
    return (((this.cur[x >>> 5] as number) & bx) !== 0 && ((this.cur[y >>> 5] as number) & by) !== 0)
      || (((this.prev[x >>> 5] as number) & bx) !== 0 && ((this.prev[y >>> 5] as number) & by) !== 0);
  }
}

/**
 * The filters of several detectors that insert the same triples (port-scan and port-sweep) and
 * differ at most in how long a generation lasts. Filters with the same generation length hold the
 * same bits at all times, so they are one filter here: with the default configuration both
 * detectors share one, and a row costs one hash and two bit sets (two cache misses in a 2 MiB
 * array) instead of two hashes and four. Each lane answers exactly what a filter of its own would.
 */
export class PairFilterBank {
  private readonly filters: PairFilter[] = [];
  private sealed = false;

  constructor(private readonly log2Bits = 24) {}

  /** A filter remembering at least the last `generationSec` of event time. Take every lane before the first insert. */
  lane(generationSec: number): PairFilter {
    if (this.sealed) throw new Error('PairFilterBank: lanes must be taken before the first insert');
    const same = this.filters.find((f) => f.generationSec === generationSec);
    if (same) return same;
    const f = new PairFilter(this.log2Bits, generationSec);
    this.filters.push(f);
    return f;
  }

  /** distinct filters (lanes with the same generation length share one) */
  get size(): number {
    return this.filters.length;
  }

  at(t: number): void {
    this.sealed = true;
    for (const f of this.filters) f.at(t);
  }

  add(a: number, b: number, c: number): void {
    const h = pairHash(a, b, c);
    const fs = this.filters;
    for (let k = 0; k < fs.length; k++) (fs[k] as PairFilter).addHash(h);
  }
}

export function pairHash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ c, 0x85ebca6b);
  return (h ^ (h >>> 15)) >>> 0;
}
