import { decodeFlowBatch, encodeFlowBatch } from './flow-batch.codec';
import { FlowBatch, StringTable } from './flow-batch';
import { ipv4OfText } from '@flowguard/util';

/** A table that holds its values as UTF-8 and creates strings on first read, like the parser's (ADR 0020). */
class LazyTable extends StringTable {
  stringReads = 0;
  private pending: string[];
  constructor(values: string[]) {
    super();
    this.pending = values;
  }
  private fill(): void {
    this.stringReads++;
    for (const v of this.pending) this.list.push(v);
    this.pending = [];
  }
  override get values(): string[] {
    if (this.pending.length) this.fill();
    return this.list;
  }
  override get(id: number): string {
    if (this.pending.length) this.fill();
    return this.list[id] ?? '';
  }
  override get size(): number {
    return this.list.length + this.pending.length;
  }
  override intern(value: string): number {
    if (this.pending.length) this.fill();
    return super.intern(value);
  }
  override joinedUtf8(): Uint8Array {
    return this.pending.length ? Buffer.from(this.pending.join('\u0000')) : super.joinedUtf8();
  }
}

const TEXTS = [
  '0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.100.200', '1.2.3.4', '172.31.255.1',
  '010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.04', '1..2.3', '.1.2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ',
  '1000.1.1.1', '2001:db8::1', '::ffff:1.2.3.4', 'eni-0abc', '123456789012', '', '-', 'é.1.1.1',
];

describe('StringTable.ipv4Values', () => {
  it('holds each value as a number or -1, id 0 included, and grows with later interns', () => {
    const t = StringTable.from(['', ...TEXTS]);
    const v = t.ipv4Values();
    expect(v.length).toBe(t.size);
    expect(v[0]).toBe(-1);
    for (let id = 1; id < t.size; id++) expect(v[id]).toBe(ipv4OfText(t.get(id)));
    expect(t.ipv4Values()).toBe(v); // computed once
    const added = t.intern('203.0.113.9');
    const w = t.ipv4Values();
    expect(w.length).toBe(t.size);
    expect(w[added]).toBe(0xcb007109);
    expect(Array.from(w.subarray(0, v.length))).toEqual(Array.from(v));
  });

  it('reads a lazy table from its bytes without creating its strings, with the same values as the strings give', () => {
    const lazy = new LazyTable(TEXTS.filter((x) => x !== ''));
    const v = lazy.ipv4Values();
    expect(lazy.stringReads).toBe(0);
    const plain = StringTable.from(['', ...TEXTS.filter((x) => x !== '')]);
    expect(Array.from(v)).toEqual(Array.from(plain.ipv4Values()));
    // interning afterwards creates the strings (as the parser's table does) and extends the view
    const id = lazy.intern('198.51.100.7');
    expect(lazy.stringReads).toBe(1);
    expect(lazy.ipv4Values()[id]).toBe(0xc6336407);
  });

  it('falls back to the strings when the bytes do not hold one value per id', () => {
    // a lazy table whose joined bytes disagree with its size must not be trusted
    class Broken extends LazyTable {
      override joinedUtf8(): Uint8Array {
        return Buffer.from('1.2.3.4');
      }
    }
    const t = new Broken(['9.9.9.9', '8.8.8.8']);
    expect(Array.from(t.ipv4Values())).toEqual([-1, 0x09090909, 0x08080808]);
  });

  it('takes what a subclass already knows (ipv4Known) and reads only the rest', () => {
    class Knows extends LazyTable {
      protected override ipv4Known(out: Float64Array): number {
        out[1] = 0x01020304; // pretend the parser knew the first value
        return 2;
      }
    }
    const t = new Knows(['1.2.3.4', '5.6.7.8']);
    expect(Array.from(t.ipv4Values())).toEqual([-1, 0x01020304, 0x05060708]);
    expect(t.stringReads).toBe(1); // id 2 came from its string
  });

  it('is the same on a batch and on its codec round trip', () => {
    const b = new FlowBatch(4);
    for (const [i, [s, d]] of [['10.0.0.1', '2001:db8::1'], ['1.2.3.4', '10.0.0.1'], ['', '010.1.1.1']].entries()) {
      b.srcAddr[i] = s ? b.strings.intern(s) : 0;
      b.dstAddr[i] = b.strings.intern(d as string);
      b.length = i + 1;
    }
    const back = decodeFlowBatch(encodeFlowBatch(b));
    expect(Array.from(back.strings.ipv4Values())).toEqual(Array.from(b.strings.ipv4Values()));
  });
});
