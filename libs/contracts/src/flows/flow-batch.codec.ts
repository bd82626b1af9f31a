/**
 * Binary wire encoding of a {@link FlowBatch}: one Kafka message carries
 * thousands of records. Layout (little-endian, every column 8-byte aligned):
 *
 *   magic "FGFB" | u16 schema | u16 columnCount | u32 rows | u32 stringBytes | u32 reserved
 *   strings: UTF-8 of values[1..] joined by NUL, padded to 8
 *   columnCount x { u8 kind | u8 type | u16 nameLen | name | pad8 | data | pad8 }
 *
 * Columns are self-describing so a reader skips columns it does not know:
 * adding a column is a backward-compatible change within schema 1.
 */
import { CORE_TEXT_COLUMNS, FlowBatch, NUMERIC_COLUMNS, StringTable, numericColumnCtor } from './flow-batch';

export const FLOW_BATCH_MAGIC = 0x42464746; // "FGFB" read as LE u32
export const FLOW_BATCH_SCHEMA_VERSION = 1;

const KIND_NUMERIC = 0;
const KIND_CORE_TEXT = 1;
const KIND_EXTRA_TEXT = 2;

type TypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array | Float64Array;
const TYPE_CODES: Array<new (buf: ArrayBuffer, off: number, len: number) => TypedArray> = [
  Uint8Array, Int8Array, Int16Array, Int32Array, Uint32Array, Float64Array,
];
function typeCodeOf(a: TypedArray): number {
  const code = TYPE_CODES.findIndex((c) => a instanceof c);
  if (code < 0) throw new Error('unsupported column type');
  return code;
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('FlowBatch codec requires a little-endian platform');
}

export class FlowBatchDecodeError extends Error {
  constructor(reason: string) {
    super(`invalid flow batch: ${reason}`);
    this.name = 'FlowBatchDecodeError';
  }
}

const pad8 = (n: number) => (n + 7) & ~7;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeFlowBatch(batch: FlowBatch): Buffer {
  const n = batch.length;
  const strBytes = batch.strings.joinedUtf8();
  const cols: Array<{ kind: number; name: Uint8Array; data: TypedArray }> = [];
  for (const name of NUMERIC_COLUMNS) cols.push({ kind: KIND_NUMERIC, name: enc.encode(name), data: batch.numeric(name).subarray(0, n) });
  for (const name of CORE_TEXT_COLUMNS) cols.push({ kind: KIND_CORE_TEXT, name: enc.encode(name), data: batch[name].subarray(0, n) });
  for (const [field, col] of batch.text) cols.push({ kind: KIND_EXTRA_TEXT, name: enc.encode(field), data: col.subarray(0, n) });

  let size = 20 + pad8(strBytes.length);
  for (const c of cols) size += pad8(4 + c.name.length) + pad8(c.data.byteLength);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(FLOW_BATCH_MAGIC, 0);
  out.writeUInt16LE(FLOW_BATCH_SCHEMA_VERSION, 4);
  out.writeUInt16LE(cols.length, 6);
  out.writeUInt32LE(n, 8);
  out.writeUInt32LE(strBytes.length, 12);
  out.set(strBytes, 20);
  let off = 20 + pad8(strBytes.length);
  for (const c of cols) {
    out.writeUInt8(c.kind, off);
    out.writeUInt8(typeCodeOf(c.data), off + 1);
    out.writeUInt16LE(c.name.length, off + 2);
    out.set(c.name, off + 4);
    off += pad8(4 + c.name.length);
    out.set(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength), off);
    off += pad8(c.data.byteLength);
  }
  return out;
}

export function decodeFlowBatch(buf: Uint8Array): FlowBatch {
  if (buf.byteLength < 20) throw new FlowBatchDecodeError('shorter than the header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== FLOW_BATCH_MAGIC) throw new FlowBatchDecodeError('bad magic');
  const schema = view.getUint16(4, true);
  if (schema !== FLOW_BATCH_SCHEMA_VERSION) throw new FlowBatchDecodeError(`unsupported schema ${schema}`);
  const colCount = view.getUint16(6, true);
  const n = view.getUint32(8, true);
  const strLen = view.getUint32(12, true);
  if (20 + strLen > buf.byteLength) throw new FlowBatchDecodeError('string table overruns the message');
  let values: string[];
  try {
    const text = dec.decode(buf.subarray(20, 20 + strLen));
    values = strLen === 0 ? [''] : ['', ...text.split('\u0000')];
  } catch {
    throw new FlowBatchDecodeError('string table is not UTF-8');
  }
  const batch = new FlowBatch(Math.max(n, 1), StringTable.from(values));
  batch.length = n;
  const maxId = values.length;
  const known = new Set<string>(NUMERIC_COLUMNS);
  let off = 20 + pad8(strLen);
  for (let c = 0; c < colCount; c++) {
    if (off + 4 > buf.byteLength) throw new FlowBatchDecodeError('truncated column header');
    const kind = view.getUint8(off);
    const type = view.getUint8(off + 1);
    const nameLen = view.getUint16(off + 2, true);
    const ctor = TYPE_CODES[type];
    if (!ctor) throw new FlowBatchDecodeError(`unknown column type ${type}`);
    const name = Buffer.from(buf.buffer, buf.byteOffset + off + 4, nameLen).toString('utf8');
    off += pad8(4 + nameLen);
    const bytesPer = (ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    const byteLen = n * bytesPer;
    if (off + byteLen > buf.byteLength) throw new FlowBatchDecodeError(`column ${name} overruns the message`);
    // copy into a fresh, aligned buffer: Kafka hands us Buffers at arbitrary offsets
    const copy = new Uint8Array(byteLen);
    copy.set(buf.subarray(off, off + byteLen));
    const data = new ctor(copy.buffer, 0, n);
    off += pad8(byteLen);
    if (kind === KIND_NUMERIC) {
      if (!known.has(name)) continue; // a newer writer's column: skip
      const expected = numericColumnCtor(name as (typeof NUMERIC_COLUMNS)[number]);
      if (!(data instanceof expected)) throw new FlowBatchDecodeError(`column ${name} has the wrong type`);
      (batch as unknown as Record<string, TypedArray>)[name] = data;
    } else {
      if (!(data instanceof Uint32Array)) throw new FlowBatchDecodeError(`text column ${name} is not u32`);
      for (let i = 0; i < n; i++) if ((data[i] as number) >= maxId) throw new FlowBatchDecodeError(`column ${name} row ${i} points outside the string table`);
      if (kind === KIND_CORE_TEXT) {
        if ((CORE_TEXT_COLUMNS as readonly string[]).includes(name)) (batch as unknown as Record<string, Uint32Array>)[name] = data;
      } else if (kind === KIND_EXTRA_TEXT) {
        batch.text.set(name, data);
      }
    }
  }
  batch.capacity = n;
  return batch;
}
