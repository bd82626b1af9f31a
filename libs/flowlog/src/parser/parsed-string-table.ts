/**
 * The string table of a parsed batch. The parser (its WebAssembly fast path,
 * wasm/line-scanner.ts, which also interns for the TypeScript line parser)
 * copies every new value's UTF-8 bytes to an arena in id order, each followed
 * by NUL, and hands the arena over when the batch is done. The JS strings are
 * created only when someone reads them (one native decode plus one `split`
 * for the whole table), and the binary codec gets the bytes as they are:
 * parse → encode for Kafka creates no string per value (ADR 0020).
 */
import { StringTable } from '@flowguard/contracts';

/**
 * Flag by string-table id (as the parser's module sets it, assembly/line-scanner.ts): the value
 * is a canonical IPv4 and its number is in `v4ById`.
 */
const FLAG_V4 = 2;

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
