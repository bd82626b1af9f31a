/** The beats of one periodic-looking pair: a growable ring of (start, end, bytes, packets, srcPort). */
export const STRIDE = 5;

export class Ring {
  data: Float64Array;
  head = 0;
  count = 0;

  constructor(private readonly max: number) {
    this.data = new Float64Array(16 * STRIDE);
  }

  get cap(): number {
    return this.data.length / STRIDE;
  }

  /** Append a beat (overwriting the oldest at capacity); returns its physical slot. */
  push(start: number, end: number, bytes: number, packets: number, sport: number): number {
    if (this.count === this.cap && this.cap < this.max) {
      // grow, unrolling the ring (plain loops: no subarray views)
      const next = new Float64Array(Math.min(this.max, this.cap * 2) * STRIDE);
      const d = this.data;
      for (let k = 0; k < this.count; k++) {
        const from = this.slot(k) * STRIDE;
        const to = k * STRIDE;
        for (let x = 0; x < STRIDE; x++) next[to + x] = d[from + x] as number;
      }
      this.data = next;
      this.head = 0;
    }
    let s: number;
    if (this.count < this.cap) s = (this.head + this.count++) % this.cap;
    else {
      s = this.head;
      this.head = (this.head + 1) % this.cap;
    }
    const o = s * STRIDE;
    this.data[o] = start;
    this.data[o + 1] = end;
    this.data[o + 2] = bytes;
    this.data[o + 3] = packets;
    this.data[o + 4] = sport;
    return s;
  }

  /** physical slot of the k-th oldest beat */
  slot(k: number): number {
    return (this.head + k) % this.cap;
  }

  time(slot: number): number {
    return this.data[slot * STRIDE] as number;
  }
}
