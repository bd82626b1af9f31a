/**
 * Interns field bytes into one batch's string table without creating a JS
 * string per value: a value already seen in this batch costs one probe of a
 * small, cache-resident table plus a word-wise byte compare, and a new value
 * costs a copy of its bytes into an arena. No string is created while
 * parsing.
 *
 * - IPv4 addresses, the bulk of distinct values, are folded into a uint32 by
 *   the parser while it validates them and are interned by that integer.
 * - Other values are interned by their bytes (sampled hash, then compare).
 * - Every new value's bytes go to the arena, in id order, each followed by a
 *   NUL (a byte the parser rejects inside values). When the batch is done the
 *   arena is handed to the batch's {@link ParsedStringTable}, which creates
 *   the JS strings only when someone reads them (one native decode plus one
 *   `split` for the whole table) and gives the binary codec the bytes as they
 *   are: parse → encode for Kafka creates no string per value.
 *
 * The tables are per batch (the string table is), so they stay small enough
 * for L2; measured alternatives (a cache outliving batches, per-value
 * `latin1Slice`) were slower, and a dictionary of text values outliving
 * batches (per-batch ids by epoch) gained nothing: see docs/flowlog-parsing.md
 * and the amendment of ADR 0020.
 */
import { isUtf8 } from 'node:buffer';
import { StringTable } from '@flowguard/contracts';
import { ipv4OfBytes } from '@flowguard/util';
import { isIPv6Bytes } from './ip-address.validator';

/** Flag by string-table id: the value was validated as an IP address. */
export const FLAG_IP_OK = 1;
/** Flag by string-table id: the value is a canonical IPv4, its number is in `v4ById`. */
export const FLAG_V4 = 2;

/** Decode at most this many arena bytes into one JS string (V8 caps string length). */
const DECODE_CHUNK = 8 << 20;

/**
 * The string table of a parsed batch: ids 1..n were assigned by the parser,
 * whose UTF-8 bytes it holds in an arena (each value followed by NUL); the JS
 * strings are created on the first read of {@link values}, {@link get} or
 * {@link intern}, all at once. {@link joinedUtf8} (the codec's string section)
 * is the arena itself while no value was added after parsing. The hash index
 * for {@link intern} is built only when someone interns, so the parser never
 * pays a Map insert per value while the StringTable contract (one id per
 * distinct string) holds for every later caller.
 */
export class ParsedStringTable extends StringTable {
  private arena: Buffer = EMPTY;
  /** ids 1..parsed come from the parser; the arena holds their bytes */
  private parsed = 0;
  /** parsed values already in the list (0 or `parsed`: decoding is all at once) */
  private decoded = 0;
  private nonAscii = false;
  /** by parsed id: FLAG_V4 when the parser folded the value into `v4ById` */
  private v4Flags: Uint8Array | undefined;
  private v4ById: Int32Array | undefined;
  private readonly lazyIndex = new Map<string, number>();
  private indexed = 1;

  /**
   * Called once by the parser when the batch is complete. `v4Flags`/`v4ById`
   * (ids 0..count) carry the IPv4 numbers the parser computed while
   * validating, so {@link ipv4Values} does not parse the text again.
   */
  adopt(arena: Buffer, count: number, nonAscii: boolean, v4Flags?: Uint8Array, v4ById?: Int32Array): void {
    if (this.parsed !== 0 || this.list.length !== 1) throw new Error('ParsedStringTable.adopt: table is not empty');
    this.arena = arena;
    this.parsed = count;
    this.nonAscii = nonAscii;
    this.v4Flags = v4Flags;
    this.v4ById = v4ById;
  }

  /** The parsed ids' IPv4 numbers from the parser (no text read); ids added later are left to the caller. */
  protected override ipv4Known(out: Float64Array): number {
    const flags = this.v4Flags;
    const ips = this.v4ById;
    if (!flags || !ips || out.length <= this.parsed) return super.ipv4Known(out);
    const n = this.parsed;
    for (let id = 1; id <= n; id++) out[id] = ((flags[id] as number) & FLAG_V4) !== 0 ? (ips[id] as number) >>> 0 : -1;
    return n + 1;
  }

  override get values(): string[] {
    if (this.decoded < this.parsed) this.decode();
    return this.list;
  }

  override get(id: number): string {
    if (this.decoded < this.parsed) this.decode();
    return this.list[id] ?? '';
  }

  override get size(): number {
    return this.decoded < this.parsed ? this.parsed + 1 : this.list.length;
  }

  override intern(value: string): number {
    if (this.decoded < this.parsed) this.decode();
    const values = this.list;
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

  override joinedUtf8(): Uint8Array {
    const head = this.arena.subarray(0, Math.max(0, this.arena.length - 1)); // without the last NUL
    // values interned after parsing (enrichment): the list holds them after the parsed ones
    if (this.list.length <= this.parsed + 1) return head;
    const tail = Buffer.from(this.list.slice(this.parsed + 1).join('\u0000'), 'utf8');
    return this.parsed === 0 ? tail : Buffer.concat([head, SEP, tail]);
  }

  private decode(): void {
    const arena = this.arena;
    const list = this.list;
    const enc = this.nonAscii ? 'utf8' : 'latin1';
    let from = 0;
    while (from < arena.length) {
      // chunks end after a NUL, so no value is cut
      let to = arena.length;
      if (to - from > DECODE_CHUNK) to = arena.lastIndexOf(0, from + DECODE_CHUNK - 1) + 1;
      const parts = arena.toString(enc, from, to - 1).split('\u0000');
      for (let i = 0; i < parts.length; i++) list.push(parts[i] as string);
      from = to;
    }
    this.decoded = this.parsed;
  }
}

const EMPTY = Buffer.alloc(0);
const SEP = Buffer.from([0]);

/** Slot layout of the byte table: 4 int32 per slot, one cache line per probe. */
const S_HASH = 0;
const S_ID = 1; // string-table id, 0 = empty slot
const S_LEN = 2;
const S_OFF = 3;

const MIN_ARENA = 16 * 1024;

export class ByteInterner {
  /** flags by string-table id ({@link FLAG_IP_OK}, {@link FLAG_V4}) */
  flags = new Uint8Array(1024);
  /** by string-table id: the IPv4 number of a {@link FLAG_V4} value */
  private v4ById = new Int32Array(1024);
  /** by string-table id: [arena offset, length] of its bytes */
  private span = new Int32Array(2048);
  private slots = new Int32Array(1024 * 4);
  private mask = 1023;
  /** entries in the byte table */
  private count = 0;
  /** ids handed out in this batch (1..ids) */
  private ids = 0;
  /** IPv4 table: [address, id] pairs, id 0 = empty */
  private v4 = new Int32Array(1024 * 2);
  private v4mask = 1023;
  private v4count = 0;
  private arena: Buffer = Buffer.allocUnsafe(MIN_ARENA);
  private arenaView: DataView = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
  private arenaLen = 0;
  private nonAscii = false;
  private table: ParsedStringTable;

  constructor(table: ParsedStringTable) {
    this.table = table;
  }

  /**
   * Hand this batch's values to its table (the table now owns the arena) and
   * start the next batch with `table` (which must be empty).
   */
  handOver(next: ParsedStringTable | null): void {
    const n = this.ids + 1;
    this.table.adopt(this.arena.subarray(0, this.arenaLen), this.ids, this.nonAscii, this.flags.slice(0, n), this.v4ById.slice(0, n));
    if (next === null) return;
    if (this.count > 0) this.slots.fill(0);
    if (this.v4count > 0) this.v4.fill(0);
    this.flags.fill(0, 0, Math.min(this.flags.length, this.ids + 1));
    this.table = next;
    // the old arena belongs to the emitted table; the next one starts at the size this one needed
    this.setArena(Buffer.allocUnsafe(Math.max(MIN_ARENA, this.arenaLen + (this.arenaLen >> 2))));
    this.count = 0;
    this.ids = 0;
    this.v4count = 0;
    this.arenaLen = 0;
    this.nonAscii = false;
  }

  /**
   * String-table id of text field `k`'s value, bytes [start, end); -1 when
   * the value is not UTF-8 text without NUL. `memo[k]` holds the id of the
   * field's value in the row before ("same as last row" costs no hash).
   *
   * The whole lookup is one call from the generated line parser on purpose:
   * inlining it into every text field made the generated function so large
   * that V8 compiled it worse; one out-of-line call per field measured ~20%
   * faster on the 30-field format (docs/flowlog-parsing.md).
   */
  text(memo: Int32Array, k: number, buf: Buffer, dv: DataView, start: number, end: number): number {
    let id = memo[k] as number;
    if (id !== 0 && this.same(id, buf, dv, start, end)) return id;
    const h = sampleHash(buf, dv, start, end);
    id = this.find(buf, dv, start, end, h);
    if (id === 0) {
      // only new values are checked for non-ASCII (and NUL) bytes, and those for valid UTF-8 without NUL
      const ascii = isAscii(buf, start, end);
      if (!ascii && !isText(buf, start, end)) return -1;
      // IPv4 text is interned by integer wherever it appears, so one string keeps one id
      const v4 = ascii ? parseIPv4(buf, start, end) : undefined;
      id = v4 !== undefined ? this.internV4(v4, buf, start, end) : this.add(buf, start, end, h, ascii);
    }
    memo[k] = id;
    return id;
  }

  /**
   * Like {@link text} for an address field whose value is not a canonical
   * IPv4 (those take the parser's integer fast path): -1 unless it is an
   * IPv6 address. Validation runs once per distinct value and batch.
   */
  addr(memo: Int32Array, k: number, buf: Buffer, dv: DataView, start: number, end: number): number {
    let id = memo[k] as number;
    if (id !== 0 && this.same(id, buf, dv, start, end)) return id;
    const h = sampleHash(buf, dv, start, end);
    id = this.find(buf, dv, start, end, h);
    if (id === 0 || ((this.flags[id] as number) & FLAG_IP_OK) === 0) {
      if (!isIPv6Bytes(buf, start, end)) return -1;
      if (id === 0) id = this.add(buf, start, end, h, true);
      this.flags[id] = FLAG_IP_OK;
    }
    memo[k] = id;
    return id;
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

  /** Add bytes {@link find} did not know (no NUL among them); returns their string-table id. */
  add(buf: Uint8Array, start: number, end: number, h: number, ascii: boolean): number {
    if (!ascii) this.nonAscii = true;
    const off = this.arenaLen;
    const id = this.append(buf, start, end);
    if (++this.count * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    while (slots[(i << 2) + S_ID] !== 0) i = (i + 1) & mask;
    const at = i << 2;
    slots[at + S_HASH] = h;
    slots[at + S_ID] = id;
    slots[at + S_LEN] = end - start;
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
    const id = this.append(buf, start, end);
    v4[i << 1] = ip;
    v4[(i << 1) + 1] = id;
    this.flags[id] = FLAG_V4;
    this.v4ById[id] = ip;
    if (++this.v4count * 2 > mask + 1) this.rehashV4((mask + 1) * 2);
    return id;
  }

  /** Copy bytes [start, end) and a NUL to the arena under a new id. */
  private append(buf: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (this.arenaLen + len + 1 > this.arena.length) this.growArena(len + 1);
    const off = this.arenaLen;
    const arena = this.arena;
    let o = off;
    for (let k = start; k < end; k++) arena[o++] = buf[k] as number;
    arena[o++] = 0;
    this.arenaLen = o;
    const id = ++this.ids;
    if (id >= this.flags.length) {
      const flags = new Uint8Array(this.flags.length * 2);
      flags.set(this.flags);
      this.flags = flags;
      const ips = new Int32Array(this.v4ById.length * 2);
      ips.set(this.v4ById);
      this.v4ById = ips;
      const span = new Int32Array(this.span.length * 2);
      span.set(this.span);
      this.span = span;
    }
    this.span[id << 1] = off;
    this.span[(id << 1) + 1] = len;
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
    this.setArena(next);
  }

  private setArena(arena: Buffer): void {
    this.arena = arena;
    this.arenaView = new DataView(arena.buffer, arena.byteOffset, arena.byteLength);
  }
}

function v4hash(ip: number): number {
  const h = Math.imul(ip, 0x9e3779b1);
  return h ^ (h >>> 16);
}

/**
 * A dotted-quad IPv4 in bytes [start, end) as a uint32 folded into int32, or
 * undefined: the repository's one IPv4 reader (`ipv4OfBytes`, no leading
 * zeros), so text and value map one to one: that is what lets IPv4 text be
 * interned by integer.
 */
export function parseIPv4(b: Uint8Array, start: number, end: number): number | undefined {
  const v = ipv4OfBytes(b, start, end);
  return v < 0 ? undefined : v | 0;
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

/** Every byte in 1..127: plain ASCII without NUL (NUL separates values in the arena). */
function isAscii(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (((buf[i] as number) - 1) >>> 0 >= 127) return false;
  return true;
}

/** Valid UTF-8 without a NUL byte. */
function isText(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === 0) return false;
  return isUtf8(buf.subarray(s, e));
}
