/**
 * Interns field bytes into one batch's string table without creating a JS
 * string per record: a value already seen in this batch costs one probe of a
 * small, cache-resident table plus a word-wise byte compare.
 *
 * - IPv4 addresses, the bulk of distinct values, are folded into a uint32 by
 *   the parser while it validates them and are interned by that integer; a new
 *   one becomes a string through a fixed-arity `String.fromCharCode` (no
 *   native call, no intermediate buffer).
 * - Other new values get their id at once (a placeholder in the table) and
 *   their bytes go to an arena separated by `\n`, a byte no field can hold;
 *   {@link ByteInterner.materialize} turns the arena into strings with one
 *   native decode and one `split` when the batch is complete.
 *
 * Both tables are per batch (the string table is), so they stay small enough
 * for L2; measured alternatives (a cache outliving batches, per-value
 * `latin1Slice`) were slower, see docs/flowlog-parsing.md.
 */
import { StringTable } from '@flowguard/contracts';

/** Flag by string-table id: the value was validated as an IP address. */
export const FLAG_IP_OK = 1;

/**
 * A StringTable whose hash index is built lazily. The parser appends values
 * its byte-keyed tables already proved unique, skipping one Map insert per
 * value; {@link intern} keeps the base contract for every later caller by
 * indexing the appended values first.
 */
export class ParsedStringTable extends StringTable {
  private readonly lazyIndex = new Map<string, number>();
  private indexed = 1;

  override intern(value: string): number {
    const values = this.values;
    const index = this.lazyIndex;
    while (this.indexed < values.length) {
      index.set(values[this.indexed] as string, this.indexed);
      this.indexed++;
    }
    let id = index.get(value);
    if (id === undefined) {
      id = values.length;
      values.push(value);
      index.set(value, id);
      this.indexed++;
    }
    return id;
  }
}

/** Slot layout of the byte table: 4 int32 per slot, one cache line per probe. */
const S_HASH = 0;
const S_ID = 1; // string-table id, 0 = empty slot
const S_LEN = 2;
const S_OFF = 3;

/** Decode pending values once this many arena bytes wait (bounds one string's size). */
const MATERIALIZE_BYTES = 8 << 20;

export class ByteInterner {
  /** flags by string-table id ({@link FLAG_IP_OK}) */
  flags = new Uint8Array(1024);
  /** by string-table id: [arena offset, length] of its bytes; length -1 when not in the arena */
  private span = new Int32Array(2048);
  private slots = new Int32Array(1024 * 4);
  private mask = 1023;
  private count = 0;
  /** IPv4 table: [address, id] pairs, id 0 = empty */
  private v4 = new Int32Array(1024 * 2);
  private v4mask = 1023;
  private v4count = 0;
  private arena = Buffer.allocUnsafe(16 * 1024);
  private arenaView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private arenaLen = 0;
  private decodedUpTo = 0;
  private nonAscii = false;
  /** ids waiting for their arena string, in arena order */
  private pending: Int32Array<ArrayBuffer> = new Int32Array(256);
  private pendingLen = 0;
  private table: StringTable;

  constructor(table: StringTable) {
    this.table = table;
  }

  /** Start a new batch (its table must hold only id 0). */
  reset(table: StringTable): void {
    this.materialize();
    if (this.count > 0) this.slots.fill(0);
    if (this.v4count > 0) this.v4.fill(0);
    this.flags.fill(0, 0, Math.min(this.flags.length, this.table.values.length));
    this.table = table;
    this.count = 0;
    this.v4count = 0;
    this.arenaLen = 0;
    this.decodedUpTo = 0;
    this.pendingLen = 0;
    this.nonAscii = false;
  }

  /** String-table id of bytes [start, end) with hash `h`, or 0 when new. `dv` views `buf`. */
  find(buf: Uint8Array, dv: DataView, start: number, end: number, h: number): number {
    const len = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const at = i << 2;
      const id = slots[at + S_ID] as number;
      if (id === 0) return 0;
      if (slots[at + S_HASH] === h && slots[at + S_LEN] === len) {
        const av = this.arenaView;
        let o = slots[at + S_OFF] as number;
        let k = start;
        // 4 bytes per compare (TurboFan turns DataView reads into plain loads)
        const end4 = end - 3;
        while (k < end4 && av.getInt32(o, true) === dv.getInt32(k, true)) {
          o += 4;
          k += 4;
        }
        const arena = this.arena;
        while (k < end && arena[o] === buf[k]) {
          o++;
          k++;
        }
        if (k === end) return id;
      }
      i = (i + 1) & mask;
    }
  }

  /** True when bytes [start, end) are the value of id `id` (a cheap check for "same as the previous row"). */
  same(id: number, buf: Uint8Array, dv: DataView, start: number, end: number): boolean {
    const at = id << 1;
    if (this.span[at + 1] !== end - start) return false;
    let o = this.span[at] as number;
    let k = start;
    const av = this.arenaView;
    const end4 = end - 3;
    while (k < end4) {
      if (av.getInt32(o, true) !== dv.getInt32(k, true)) return false;
      o += 4;
      k += 4;
    }
    const arena = this.arena;
    while (k < end) {
      if (arena[o] !== buf[k]) return false;
      o++;
      k++;
    }
    return true;
  }

  /** Add bytes {@link find} did not know; returns their string-table id. */
  add(buf: Uint8Array, start: number, end: number, h: number, ascii: boolean): number {
    const len = end - start;
    if (this.arenaLen + len + 1 > this.arena.length) this.growArena(len + 1);
    const off = this.arenaLen;
    const arena = this.arena;
    let o = off;
    for (let k = start; k < end; k++) arena[o++] = buf[k] as number;
    arena[o++] = 10;
    this.arenaLen = o;
    if (!ascii) this.nonAscii = true;
    const id = this.newId('');
    this.span[id << 1] = off;
    this.span[(id << 1) + 1] = len;
    if (this.pendingLen === this.pending.length) this.pending = grow32(this.pending);
    this.pending[this.pendingLen++] = id;
    if (++this.count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    while (slots[(i << 2) + S_ID] !== 0) i = (i + 1) & mask;
    const at = i << 2;
    slots[at + S_HASH] = h;
    slots[at + S_ID] = id;
    slots[at + S_LEN] = len;
    slots[at + S_OFF] = off;
    return id;
  }

  /** String-table id of the IPv4 address `ip` (uint32 as int32) whose text is bytes [start, end). */
  internV4(ip: number, buf: Uint8Array, start: number, end: number): number {
    const v4 = this.v4;
    const mask = this.v4mask;
    let i = v4hash(ip) & mask;
    for (;;) {
      const id = v4[(i << 1) + 1] as number;
      if (id === 0) break;
      if (v4[i << 1] === ip) return id;
      i = (i + 1) & mask;
    }
    const id = this.newId(shortAscii(buf, start, end));
    v4[i << 1] = ip;
    v4[(i << 1) + 1] = id;
    if (++this.v4count * 2 > mask + 1) this.rehashV4((mask + 1) * 2);
    return id;
  }

  /** Replace the placeholders of pending values by their strings. Idempotent. */
  materialize(): void {
    if (this.pendingLen === 0 || this.decodedUpTo === this.arenaLen) return;
    const from = this.decodedUpTo;
    const text = this.nonAscii ? this.arena.toString('utf8', from, this.arenaLen - 1) : this.arena.toString('latin1', from, this.arenaLen - 1);
    const parts = text.split('\n');
    const values = this.table.values;
    const pending = this.pending;
    const first = this.pendingLen - parts.length;
    for (let i = 0; i < parts.length; i++) values[pending[first + i] as number] = parts[i] as string;
    this.decodedUpTo = this.arenaLen;
  }

  private newId(value: string): number {
    const values = this.table.values;
    const id = values.length;
    values.push(value);
    if (id >= this.flags.length) {
      const flags = new Uint8Array(this.flags.length * 2);
      flags.set(this.flags);
      this.flags = flags;
      const span = new Int32Array(this.span.length * 2);
      span.set(this.span);
      this.span = span;
    }
    this.span[(id << 1) + 1] = -1;
    return id;
  }

  private rehash(size: number): void {
    const old = this.slots;
    const slots = new Int32Array(size * 4);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + S_ID] === 0) continue;
      const h = old[at + S_HASH] as number;
      let i = (h ^ (h >>> 15)) & mask;
      while (slots[(i << 2) + S_ID] !== 0) i = (i + 1) & mask;
      slots.set(old.subarray(at, at + 4), i << 2);
    }
    this.slots = slots;
    this.mask = mask;
  }

  private rehashV4(size: number): void {
    const old = this.v4;
    const v4 = new Int32Array(size * 2);
    const mask = size - 1;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] === 0) continue;
      const ip = old[at] as number;
      let i = v4hash(ip) & mask;
      while (v4[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      v4[i << 1] = ip;
      v4[(i << 1) + 1] = old[at + 1] as number;
    }
    this.v4 = v4;
    this.v4mask = mask;
  }

  private growArena(need: number): void {
    let cap = this.arena.length * 2;
    while (cap < this.arenaLen + need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.arena.copy(next, 0, 0, this.arenaLen);
    this.arena = next;
    this.arenaView = new DataView(next.buffer, next.byteOffset, next.byteLength);
    // one huge batch (parseFlowLogText): decode as we go so no single string gets near V8's limit
    if (this.arenaLen - this.decodedUpTo > MATERIALIZE_BYTES) this.materialize();
  }
}

function grow32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function v4hash(ip: number): number {
  const h = Math.imul(ip, 0x9e3779b1);
  return h ^ (h >>> 16);
}

const F = String.fromCharCode;

/** ASCII bytes to a string: one fixed-arity fromCharCode per IPv4 length (7..15), else latin1. */
function shortAscii(b: Uint8Array, s: number, e: number): string {
  switch (e - s) {
    case 7:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number);
    case 8:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number);
    case 9:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number);
    case 10:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number);
    case 11:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number, b[s + 10] as number);
    case 12:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number, b[s + 10] as number, b[s + 11] as number);
    case 13:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number, b[s + 10] as number, b[s + 11] as number, b[s + 12] as number);
    case 14:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number, b[s + 10] as number, b[s + 11] as number, b[s + 12] as number, b[s + 13] as number);
    case 15:
      return F(b[s] as number, b[s + 1] as number, b[s + 2] as number, b[s + 3] as number, b[s + 4] as number, b[s + 5] as number, b[s + 6] as number, b[s + 7] as number, b[s + 8] as number, b[s + 9] as number, b[s + 10] as number, b[s + 11] as number, b[s + 12] as number, b[s + 13] as number, b[s + 14] as number);
    default:
      return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
  }
}

/**
 * A dotted-quad IPv4 in bytes [start, end) as a uint32 folded into int32, or
 * undefined. Same rules as `isIPv4Bytes` (no leading zeros), so text and
 * value map one to one: that is what lets IPv4 text be interned by integer.
 */
export function parseIPv4(b: Uint8Array, start: number, end: number): number | undefined {
  let ip = 0;
  let i = start;
  for (let part = 0; part < 4; part++) {
    const s = i;
    let v = 0;
    while (i < end) {
      const d = (b[i] as number) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    const n = i - s;
    if (n === 0 || n > 3 || v > 255 || (n > 1 && b[s] === 48)) return undefined;
    ip = (ip << 8) | v;
    if (part < 3) {
      if (i >= end || b[i] !== 46) return undefined;
      i++;
    }
  }
  return i === end ? ip : undefined;
}

/**
 * Hash of a field from its length and 12 sampled bytes (first 4, last 8):
 * flow-log ids differ in their tails (eni-…, vpc-…, account numbers, ARNs end
 * in ids). Three word loads instead of a per-byte multiply chain; a collision
 * only costs a compare in the table.
 */
export function sampleHash(b: Uint8Array, dv: DataView, s: number, e: number): number {
  const n = e - s;
  let h = Math.imul(n, 0x9e3779b1);
  if (n >= 8) {
    const w1 = dv.getInt32(e - 4, true);
    const w2 = dv.getInt32(e - 8, true);
    const w3 = dv.getInt32(s, true);
    h ^= Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2 ^ (w2 >>> 13), 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f);
  } else {
    for (let i = s; i < e; i++) h = Math.imul(h ^ (b[i] as number), 16777619);
  }
  h ^= h >>> 16;
  return Math.imul(h, 0x7feb352d);
}
