/**
 * Interns field bytes into one batch's string table without creating a JS
 * string per record. The parser hashes a field while scanning it; a value
 * already in this batch costs one probe plus a byte compare.
 *
 * New values get their id at once (a placeholder in the table) and their
 * bytes are copied into an arena separated by `\n`, a byte no field can hold;
 * {@link ByteInterner.materialize} turns the arena into strings with one
 * native decode and one `split` when the batch is complete.
 *
 * IPv4 addresses, the bulk of distinct values, take a faster path: the parser
 * folds them into a uint32 while validating and they are interned by that
 * integer through a direct-mapped cache that outlives batches. A slot holds
 * the address, its string, and its id in the current batch (tagged with the
 * batch generation), so one probe both dedupes within the batch and reuses
 * the string of a host seen in an earlier batch: no allocation, no decode.
 */
import { StringTable } from '@flowguard/contracts';

/** Flag by string-table id: the value was validated as an IP address. */
export const FLAG_IP_OK = 1;

/**
 * A StringTable whose hash index is built lazily. The parser appends values
 * its byte-keyed table already proved unique, skipping one Map insert per
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

/** IPv4 cache size: starts small (cheap for small payloads), grows between batches up to MAX_CACHE slots. */
const MIN_CACHE = 1 << 10;
const MAX_CACHE = 1 << 16;

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
  private slots = new Int32Array(1024 * 4);
  private mask = 1023;
  private count = 0;
  /** IPv4 cache slots: [address, generation, id, occupied] */
  private v4cache: Int32Array;
  private v4strs: string[];
  private v4cacheMask: number;
  /** cache slots overwritten during this batch: many means the cache is too small for the traffic */
  private evictions = 0;
  private gen = 1;
  /** per-batch IPv4 overflow table for cache-slot conflicts: [address, id] pairs, id 0 = empty */
  private v4 = new Int32Array(256 * 2);
  private v4mask = 255;
  private v4count = 0;
  private arena = Buffer.allocUnsafe(16 * 1024);
  private arenaLen = 0;
  private decodedUpTo = 0;
  private nonAscii = false;
  /** ids waiting for their arena string, in arena order */
  private pending: Int32Array<ArrayBuffer> = new Int32Array(256);
  private pendingLen = 0;
  private table: StringTable;

  constructor(table: StringTable) {
    this.table = table;
    this.v4cache = new Int32Array(MIN_CACHE * 4);
    this.v4strs = new Array<string>(MIN_CACHE).fill('');
    this.v4cacheMask = MIN_CACHE - 1;
  }

  /** Start a new batch (its table must hold only id 0). */
  reset(table: StringTable): void {
    this.materialize();
    if (this.evictions * 2 > this.v4cacheMask && this.v4cacheMask + 1 < MAX_CACHE) {
      // between batches no slot holds a live id, so the cache can be replaced wholesale
      const size = Math.min(MAX_CACHE, (this.v4cacheMask + 1) * 4);
      this.v4cache = new Int32Array(size * 4);
      this.v4strs = new Array<string>(size).fill('');
      this.v4cacheMask = size - 1;
    }
    this.evictions = 0;
    if (this.count > 0) this.slots.fill(0);
    if (this.v4count > 0) this.v4.fill(0);
    this.flags.fill(0, 0, Math.min(this.flags.length, this.table.values.length));
    this.table = table;
    this.gen++;
    this.count = 0;
    this.v4count = 0;
    this.arenaLen = 0;
    this.decodedUpTo = 0;
    this.pendingLen = 0;
    this.nonAscii = false;
  }

  /** String-table id of bytes [start, end) with hash `h`, or 0 when new. */
  find(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const at = i << 2;
      const id = slots[at + S_ID] as number;
      if (id === 0) return 0;
      if (slots[at + S_HASH] === h && slots[at + S_LEN] === len) {
        const arena = this.arena;
        let o = slots[at + S_OFF] as number;
        let k = start;
        while (k < end && arena[o] === buf[k]) {
          o++;
          k++;
        }
        if (k === end) return id;
      }
      i = (i + 1) & mask;
    }
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
    if (this.pendingLen === this.pending.length) this.pending = grow32(this.pending);
    this.pending[this.pendingLen++] = id;
    if ((++this.count) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
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
    const c = this.v4cache;
    const at = (v4hash(ip) & this.v4cacheMask) << 2;
    if (c[at] === ip && c[at + 3] === 1) {
      if (c[at + 1] === this.gen) return c[at + 2] as number;
      const id = this.newId(this.v4strs[at >> 2] as string);
      c[at + 1] = this.gen;
      c[at + 2] = id;
      return id;
    }
    if (c[at + 1] === this.gen && c[at + 3] === 1) {
      // the slot belongs to another address of this batch: keep both via the overflow table
      let id = this.findV4(ip);
      if (id === 0) id = this.addV4(ip, buf, start, end);
      return id;
    }
    // empty or stale slot: this address cannot be in the overflow table of this batch
    if (c[at + 3] === 1) this.evictions++;
    const s = latin1(buf, start, end);
    const id = this.newId(s);
    this.v4strs[at >> 2] = s;
    c[at] = ip;
    c[at + 1] = this.gen;
    c[at + 2] = id;
    c[at + 3] = 1;
    return id;
  }

  private findV4(ip: number): number {
    const v4 = this.v4;
    const mask = this.v4mask;
    let i = v4hash(ip) & mask;
    for (;;) {
      const id = v4[(i << 1) + 1] as number;
      if (id === 0 || v4[i << 1] === ip) return id;
      i = (i + 1) & mask;
    }
  }

  private addV4(ip: number, buf: Uint8Array, start: number, end: number): number {
    const id = this.newId(latin1(buf, start, end));
    if ((++this.v4count) * 2 > this.v4mask + 1) this.rehashV4((this.v4mask + 1) * 2);
    const v4 = this.v4;
    const mask = this.v4mask;
    let i = v4hash(ip) & mask;
    while (v4[(i << 1) + 1] !== 0) i = (i + 1) & mask;
    v4[i << 1] = ip;
    v4[(i << 1) + 1] = id;
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
    }
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

type Latin1Slice = { latin1Slice?: (s: number, e: number) => string };

function latin1(buf: Uint8Array, start: number, end: number): string {
  // Buffer's internal fast path behind toString('latin1'), minus argument checks
  const fast = (buf as Latin1Slice).latin1Slice;
  return fast !== undefined ? fast.call(buf, start, end) : Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
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

/** FNV-1a offset basis; the parser folds bytes in with Math.imul(h ^ c, 16777619). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
