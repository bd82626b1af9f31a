/**
 * Interns field bytes into one batch's string table without creating a JS
 * string per value. The parser hashes a field while scanning it; a repeated
 * value costs one probe plus a byte compare. New values are copied into an
 * arena, separated by `\n` (a byte no field can contain), and turned into JS
 * strings all at once when the batch is complete: one native decode and one
 * `split` instead of one native call per value.
 *
 * IPv4 addresses take a faster path: the parser folds them into a uint32
 * while validating, and they are looked up by that integer.
 *
 * Ids are assigned in arena order, so the string table is filled by
 * {@link ByteInterner.materialize}; nothing may read the table before that.
 */
import { StringTable } from '@flowguard/contracts';

/** Entry flag: the value was validated as an IP address. */
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

/** Slot layout of the byte table: 4 int32 per slot, one cache line per probe. */
const S_HASH = 0;
const S_ID = 1; // string-table id, 0 = empty slot
const S_LEN = 2;
const S_OFF = 3;

/** Decode pending values once this many arena bytes are waiting (bounds one string's size). */
const MATERIALIZE_BYTES = 8 << 20;

export class ByteInterner {
  /** validation flags by string-table id ({@link FLAG_IP_OK}) */
  flags = new Uint8Array(4096);
  private slots = new Int32Array(8192 * 4);
  private mask = 8191;
  /** IPv4 table: [address, id] pairs, id 0 = empty */
  private v4 = new Int32Array(8192 * 2);
  private v4mask = 8191;
  private v4count = 0;
  private arena = Buffer.allocUnsafe(256 * 1024);
  private arenaLen = 0;
  /** arena bytes before this offset are already strings in the table */
  private decodedUpTo = 0;
  private nonAscii = false;
  private count = 0;
  private table: StringTable;

  constructor(table: StringTable) {
    this.table = table;
  }

  /** Start a new batch (its table must be empty apart from id 0). */
  reset(table: StringTable): void {
    this.table = table;
    if (this.count > 0) {
      this.slots.fill(0);
      this.flags.fill(0, 0, this.count + 1);
    }
    if (this.v4count > 0) this.v4.fill(0);
    this.count = 0;
    this.v4count = 0;
    this.arenaLen = 0;
    this.decodedUpTo = 0;
    this.nonAscii = false;
  }

  /** String-table id of bytes [start, end) with FNV-1a hash `h`, or 0 when new. */
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
    const id = this.append(buf, start, end);
    if (!ascii) this.nonAscii = true;
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const len = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    while (slots[(i << 2) + S_ID] !== 0) i = (i + 1) & mask;
    const at = i << 2;
    slots[at + S_HASH] = h;
    slots[at + S_ID] = id;
    slots[at + S_LEN] = len;
    slots[at + S_OFF] = this.arenaLen - len - 1;
    return id;
  }

  /** Id of the IPv4 address `ip` (uint32 folded into int32), or 0 when new. */
  findV4(ip: number): number {
    const v4 = this.v4;
    const mask = this.v4mask;
    let i = v4slot(ip) & mask;
    for (;;) {
      const id = v4[(i << 1) + 1] as number;
      if (id === 0 || v4[i << 1] === ip) return id;
      i = (i + 1) & mask;
    }
  }

  /** Add an IPv4 address {@link findV4} did not know; its text is bytes [start, end). */
  addV4(ip: number, buf: Uint8Array, start: number, end: number): number {
    const id = this.append(buf, start, end);
    this.flags[id] = FLAG_IP_OK;
    if ((this.v4count + 1) * 2 > this.v4mask + 1) this.rehashV4((this.v4mask + 1) * 2);
    this.v4count++;
    const v4 = this.v4;
    const mask = this.v4mask;
    let i = v4slot(ip) & mask;
    while (v4[(i << 1) + 1] !== 0) i = (i + 1) & mask;
    v4[i << 1] = ip;
    v4[(i << 1) + 1] = id;
    return id;
  }

  /** Decode every pending value into the string table (call before anyone reads the batch). */
  materialize(): void {
    if (this.arenaLen === this.decodedUpTo) return;
    // one decode + split for the whole batch; values never contain `\n`
    const text = this.nonAscii
      ? this.arena.toString('utf8', this.decodedUpTo, this.arenaLen - 1)
      : this.arena.toString('latin1', this.decodedUpTo, this.arenaLen - 1);
    const parts = text.split('\n');
    const values = this.table.values;
    for (let i = 0; i < parts.length; i++) values.push(parts[i] as string);
    this.decodedUpTo = this.arenaLen;
  }

  private append(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (this.arenaLen + len + 1 > this.arena.length) this.growArena(len + 1);
    const arena = this.arena;
    let o = this.arenaLen;
    for (let k = start; k < end; k++) arena[o++] = buf[k] as number;
    arena[o++] = 10;
    this.arenaLen = o;
    const id = ++this.count;
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
      let i = v4slot(ip) & mask;
      while (v4[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      v4[i << 1] = ip;
      v4[(i << 1) + 1] = old[at + 1] as number;
    }
    this.v4 = v4;
    this.v4mask = mask;
  }

  private growArena(need: number): void {
    // decode what is pending first when the arena is large, so no single string gets huge
    let cap = this.arena.length * 2;
    while (cap < this.arenaLen + need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.arena.copy(next, 0, 0, this.arenaLen);
    this.arena = next;
    if (this.arenaLen - this.decodedUpTo > MATERIALIZE_BYTES) this.materialize();
  }
}

function v4slot(ip: number): number {
  const h = Math.imul(ip, 0x9e3779b1);
  return h ^ (h >>> 16);
}

/**
 * A dotted-quad IPv4 in bytes [start, end) as a uint32 folded into int32,
 * or undefined. Same rules as {@link isIPv4Bytes}: text and value map one to
 * one, which is what lets IPv4 text be interned by its integer.
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
      if (b[i] !== 46 || i >= end) return undefined;
      i++;
    }
  }
  return i === end ? ip : undefined;
}

/** FNV-1a offset basis; the parser folds bytes in with Math.imul(h ^ c, 16777619). */
export const FNV_OFFSET = 0x811c9dc5 | 0;
