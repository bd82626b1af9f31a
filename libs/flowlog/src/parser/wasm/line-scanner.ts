/**
 * TypeScript side of the parser's WebAssembly fast path
 * (libs/flowlog/assembly/line-scanner.ts, ADR 0030): one module instance per
 * text parser holds the batch's string interning and parses the lines it is
 * sure of into staging columns, which {@link LineScanner.flush} copies into the
 * batch. Every other line goes to the TypeScript line parser, which interns
 * through {@link LineScanner.text} / {@link LineScanner.addr} /
 * {@link LineScanner.internV4}, so the two share one set of ids.
 */
import { isUtf8 } from 'node:buffer';
import type { FlowBatch } from '@flowguard/contracts';
import type { ParsedStringTable } from '../parsed-string-table';
import { Op, type FieldPlan } from '../field-plan';
import { LINE_SCANNER_WASM } from './line-scanner.wasm';

/** The slice of the WebAssembly API used here (the project's TypeScript libs have no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  planBuffer(n: number): number;
  input(len: number): number;
  scratch(len: number): number;
  usePlan(n: number, rows: number): void;
  column(c: number): number;
  textColumn(k: number): number;
  parse(pos: number, end: number, maxRows: number, maxLine: number): number;
  rows(): number;
  lines(): number;
  nodata(): number;
  skipdata(): number;
  status(): number;
  textOf(k: number, p: number, len: number): number;
  addText(k: number, p: number, len: number): number;
  addrOf(k: number, p: number, len: number): number;
  internV4(ip: number, p: number, len: number): number;
  idCount(): number;
  arenaPtr(): number;
  arenaLength(): number;
  flagsPtr(): number;
  v4ByIdPtr(): number;
  nonAscii(): number;
  reset(): void;
  addressKind(p: number, len: number): number;
}

/** `parse` status: stopped before a line the TypeScript parser must take. */
export const SCAN_SLOW_LINE = 2;

/** Rows the fast path stages before the caller copies them into the batch. */
const STAGE_ROWS = 2048;
const PLAN_ENTRY = 24;

/** staging column index → batch column and element type (the module's C_* / IntTarget numbers) */
const STAGED: ReadonlyArray<readonly [column: keyof FlowBatch, ctor: TypedCtor]> = [
  ['version', Uint8Array],
  ['srcPort', Int32Array],
  ['dstPort', Int32Array],
  ['protocol', Int16Array],
  ['packets', Float64Array],
  ['bytes', Float64Array],
  ['start', Uint32Array],
  ['end', Uint32Array],
  ['tcpFlags', Int16Array],
  ['trafficPath', Int8Array],
  ['action', Uint8Array],
  ['logStatus', Uint8Array],
  ['direction', Uint8Array],
];
const C_ACTION = 10;
const C_LOG_STATUS = 11;
const C_DIRECTION = 12;

type TypedCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float64ArrayConstructor;
type Typed = Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array | Float64Array;

let compiled: WasmModule | null = null;
function wasmModule(): WasmModule {
  compiled ??= new WA.Module(Buffer.from(LINE_SCANNER_WASM, 'base64'));
  return compiled;
}

/** Instances of finished parsers, reused: a CloudWatch payload of 50 lines should not pay for a fresh memory. */
const pool: LineScanner[] = [];
const POOL_MAX = 8;
const POOL_MAX_MEMORY = 64 << 20;

export class LineScanner {
  private readonly x: Exports;
  private mem: ArrayBuffer;
  private u8: Uint8Array;
  /** staged columns the current plan writes: [staging index, batch column] / [field, text column index] */
  private staged: Array<{ from: number; column: keyof FlowBatch; ctor: TypedCtor }> = [];
  private stagedText: number[] = [];
  private plan: FieldPlan | null = null;
  /** input region and its JS-side origin for the current feed */
  private inPtr = 0;

  static acquire(): LineScanner {
    return pool.pop() ?? new LineScanner();
  }

  private constructor() {
    const instance = new WA.Instance(wasmModule(), {
      env: {
        abort: () => {
          throw new Error('flow-log line scanner: internal error (wasm abort)');
        },
      },
    });
    this.x = instance.exports as unknown as Exports;
    this.mem = this.x.memory.buffer;
    this.u8 = new Uint8Array(this.mem);
    this.x.reset();
  }

  /** Give the instance back for another parser (call once, when the parser is done). */
  release(): void {
    this.x.reset();
    this.plan = null;
    // an instance that grew for a huge batch is left to the GC rather than kept
    if (pool.length < POOL_MAX && this.x.memory.buffer.byteLength <= POOL_MAX_MEMORY) pool.push(this);
  }

  /** Parse with `plan` from now on (also forgets the per-field memos). */
  usePlan(plan: FieldPlan): void {
    if (this.plan === plan) return;
    this.plan = plan;
    const n = plan.count;
    const p = this.x.planBuffer(n);
    this.refresh();
    const dv = new DataView(this.mem, p, n * PLAN_ENTRY);
    const staged = new Set<number>();
    this.stagedText = [];
    for (let k = 0; k < n; k++) {
      const op = plan.ops[k] as number;
      dv.setUint8(k * PLAN_ENTRY, op);
      dv.setUint8(k * PLAN_ENTRY + 1, plan.targets[k] as number);
      dv.setFloat64(k * PLAN_ENTRY + 8, plan.min[k] as number, true);
      dv.setFloat64(k * PLAN_ENTRY + 16, plan.max[k] as number, true);
      if (op === Op.INT) staged.add(plan.targets[k] as number);
      else if (op === Op.ACTION) staged.add(C_ACTION);
      else if (op === Op.LOG_STATUS) staged.add(C_LOG_STATUS);
      else if (op === Op.DIRECTION) staged.add(C_DIRECTION);
      else this.stagedText.push(k);
    }
    this.staged = [...staged].map((from) => {
      const [column, ctor] = STAGED[from] as readonly [keyof FlowBatch, TypedCtor];
      return { from, column, ctor };
    });
    this.x.usePlan(n, STAGE_ROWS);
    this.refresh();
  }

  /** Copy lines [start, end) of `buf` into the module (the range ends with `\n`); returns the module address of `start`. */
  load(buf: Uint8Array, start: number, end: number): number {
    const p = this.x.input(end - start);
    this.refresh();
    this.u8.set(buf.subarray(start, end), p);
    this.inPtr = p;
    return p;
  }

  /**
   * Parse loaded lines from offset `from` (relative to the loaded range) to `to`, at most
   * `maxRows` rows (≤ {@link STAGE_ROWS} are staged per call). Returns the offset reached.
   */
  parse(from: number, to: number, maxRows: number, maxLine: number): number {
    const p = this.inPtr;
    const at = this.x.parse(p + from, p + to, Math.min(maxRows, STAGE_ROWS), maxLine);
    return at - p;
  }

  get rows(): number {
    return this.x.rows();
  }
  get lines(): number {
    return this.x.lines();
  }
  get nodata(): number {
    return this.x.nodata();
  }
  get skipdata(): number {
    return this.x.skipdata();
  }
  get status(): number {
    return this.x.status();
  }

  /** Copy the rows the last {@link parse} staged into `batch` at row `at` (text fields into `tcols`). */
  flush(batch: FlowBatch, tcols: Array<Uint32Array | null>, at: number): void {
    const n = this.x.rows();
    if (n === 0) return;
    this.refresh();
    const cols = batch as unknown as Record<string, Typed>;
    for (const s of this.staged) {
      const src = new s.ctor(this.mem, this.x.column(s.from), n);
      (cols[s.column] as Typed).set(src, at);
    }
    for (const k of this.stagedText) (tcols[k] as Uint32Array).set(new Uint32Array(this.mem, this.x.textColumn(k), n), at);
  }

  // ---- interning for the TypeScript line parser (its LineParserHost.interner) ----

  /** String-table id of text field `k`'s bytes [start, end), or -1 when they are not UTF-8 text without NUL. */
  text(k: number, buf: Buffer, start: number, end: number): number {
    const len = end - start;
    const p = this.copyIn(buf, start, end);
    let id = this.x.textOf(k, p, len);
    if (id < 0) {
      if (!isText(buf, start, end)) return -1;
      id = this.x.addText(k, p, len);
    }
    return id;
  }

  /** Id of an address field's value that is not a canonical IPv4: -1 unless it is an IPv6 address. */
  addr(k: number, buf: Buffer, start: number, end: number): number {
    const p = this.copyIn(buf, start, end);
    return this.x.addrOf(k, p, end - start);
  }

  /** Id of the IPv4 `ip` (uint32 as int32) whose text is bytes [start, end). */
  internV4(ip: number, buf: Uint8Array, start: number, end: number): number {
    const p = this.copyIn(buf, start, end);
    return this.x.internV4(ip, p, end - start);
  }

  /** Hand this batch's values to `table` and start a new batch. */
  handOver(table: ParsedStringTable): void {
    this.refresh();
    const ids = this.x.idCount();
    const a = this.x.arenaPtr();
    const arena = Buffer.from(this.u8.subarray(a, a + this.x.arenaLength()));
    const f = this.x.flagsPtr();
    const flags = this.u8.slice(f, f + ids + 1);
    const v = this.x.v4ByIdPtr();
    const v4ById = new Int32Array(this.mem.slice(v, v + (ids + 1) * 4));
    table.adopt(arena, ids, this.x.nonAscii() !== 0, flags, v4ById);
    this.x.reset();
  }

  /** The module's address check, for tests: 2 = canonical IPv4, 1 = IPv6 text, 0 = neither. */
  addressKind(text: string): number {
    const b = Buffer.from(text, 'latin1');
    return this.x.addressKind(this.copyIn(b, 0, b.length), b.length);
  }

  private copyIn(buf: Uint8Array, start: number, end: number): number {
    const p = this.x.scratch(end - start);
    this.refresh();
    this.u8.set(buf.subarray(start, end), p);
    return p;
  }

  /** Views die when the module's memory grows. */
  private refresh(): void {
    if (this.mem !== this.x.memory.buffer) {
      this.mem = this.x.memory.buffer;
      this.u8 = new Uint8Array(this.mem);
    }
  }
}

/** Valid UTF-8 without a NUL byte. */
function isText(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === 0) return false;
  return isUtf8(buf.subarray(s, e));
}

