import { AddrKind } from '../estate/address-table';
import type { Estate } from '../estate/estate';
import { EGRESS, type FlowSink, NODATA } from './flow-sink';
import { headerLine, type SimFormat } from './formats';

/** Where encoded text goes; `write` must consume (or copy) the bytes before returning. */
export interface ChunkOutput {
  beginPart(key: string): void;
  write(bytes: Uint8Array): void;
  endPart(): void;
}

const CHUNK = 4 << 20;
/** a v5 record is < 400 bytes; flush well before the end of the chunk */
const HEADROOM = 2048;
const enc = new TextEncoder();
const SP = 32;
const NL = 10;
const DASH = 45;

const ACTION_BYTES = [enc.encode('-'), enc.encode('ACCEPT'), enc.encode('REJECT')];
const STATUS_BYTES = [enc.encode('OK'), enc.encode('NODATA'), enc.encode('SKIPDATA')];
const DIR_BYTES = [enc.encode('-'), enc.encode('ingress'), enc.encode('egress')];
const IPV4 = enc.encode('IPv4');
const DASH4 = enc.encode('- - - -');

/**
 * Encodes records as VPC flow-log text straight into large byte chunks: every
 * constant part (account, ENI, v5 metadata) is pre-encoded once per ENI and
 * numbers are written digit by digit, so no string is built per record.
 */
export class TextFlowEncoder implements FlowSink {
  records = 0;
  bytesOut = 0;
  private buf = new Uint8Array(CHUNK);
  private pos = 0;
  private open = false;
  private readonly header: Uint8Array;
  /** "<version> <account-id> <interface-id> " per ENI */
  private readonly prefix: Uint8Array[];
  /** " <vpc-id> <subnet-id> <instance-id> " per ENI (v5) */
  private readonly meta: Uint8Array[];
  /** " <region> <az-id> - - " per ENI (v5) */
  private readonly place: Uint8Array[];
  private readonly v5: boolean;
  /** every address's text, flat: the hot loop copies bytes without touching objects */
  private addrBuf = new Uint8Array(0);
  private addrOff = new Int32Array(0);
  private svcBuf = new Uint8Array(0);
  private svcOff = new Int32Array(0);
  private addrCount = -1;
  /** decimal text of 256 consecutive Unix seconds (10 digits each) starting at timeBase */
  private readonly timeLut = new Uint8Array(256 * 10);
  private timeBase = -1;

  constructor(private readonly estate: Estate, format: SimFormat, private readonly out: ChunkOutput) {
    this.v5 = format === 'v5';
    this.header = enc.encode(headerLine(format) + '\n');
    const version = this.v5 ? '5' : '2';
    const o = estate.opts;
    this.prefix = estate.enis.map((e) => enc.encode(`${version} ${o.accountId} ${e.interfaceId} `));
    this.meta = estate.enis.map((e) => enc.encode(` ${o.vpcId} ${e.subnetId} ${e.instanceId} `));
    this.place = estate.enis.map((e) => enc.encode(` ${o.region} ${e.azId} - - `));
    this.indexAddresses();
  }

  beginPart(key: string): void {
    this.endPart();
    this.out.beginPart(key);
    this.open = true;
    this.put(this.header);
  }

  /** flush and close the current part (if any) */
  endPart(): void {
    if (!this.open) return;
    this.flush();
    this.out.endPart();
    this.open = false;
  }

  flow(
    eni: number, src: number, dst: number, sp: number, dp: number, proto: number, pk: number, by: number,
    start: number, end: number, action: number, flags: number, dir: number, pktSrc: number, pktDst: number,
  ): void {
    if (this.pos > CHUNK - HEADROOM) this.flush();
    if (src >= this.addrCount || dst >= this.addrCount || pktSrc >= this.addrCount || pktDst >= this.addrCount) {
      this.indexAddresses();
    }
    const b = this.buf;
    let p = copy(b, this.pos, this.prefix[eni] as Uint8Array);
    p = this.addr(p, src);
    b[p++] = SP;
    p = this.addr(p, dst);
    b[p++] = SP;
    p = port(b, p, sp);
    b[p++] = SP;
    p = port(b, p, dp);
    b[p++] = SP;
    p = num(b, p, proto);
    b[p++] = SP;
    p = num(b, p, pk);
    b[p++] = SP;
    p = num(b, p, by);
    b[p++] = SP;
    p = this.time(p, start);
    b[p++] = SP;
    p = this.time(p, end);
    b[p++] = SP;
    p = copy(b, p, ACTION_BYTES[action] as Uint8Array);
    b[p++] = SP;
    b[p++] = 79; // O
    b[p++] = 75; // K
    if (this.v5) {
      const ps = pktSrc < 0 ? src : pktSrc;
      const pd = pktDst < 0 ? dst : pktDst;
      p = copy(b, p, this.meta[eni] as Uint8Array);
      p = num(b, p, flags);
      b[p++] = SP;
      p = copy(b, p, IPV4);
      b[p++] = SP;
      p = this.addr(p, ps);
      b[p++] = SP;
      p = this.addr(p, pd);
      p = copy(b, p, this.place[eni] as Uint8Array);
      p = this.svc(p, ps);
      b[p++] = SP;
      p = this.svc(p, pd);
      b[p++] = SP;
      p = copy(b, p, DIR_BYTES[dir] as Uint8Array);
      b[p++] = SP;
      if (dir === EGRESS) {
        const k = this.estate.addrs.kind[pd];
        b[p++] = 48 + (k === AddrKind.INTERNAL ? 1 : k === AddrKind.AWS_GATEWAY_SERVICE ? 7 : 8);
      } else b[p++] = DASH;
    }
    b[p++] = NL;
    this.pos = p;
    this.records++;
  }

  status(eni: number, start: number, end: number, logStatus: number): void {
    if (this.pos > CHUNK - HEADROOM) this.flush();
    const b = this.buf;
    let p = copy(b, this.pos, this.prefix[eni] as Uint8Array);
    for (let i = 0; i < 7; i++) {
      b[p++] = DASH;
      b[p++] = SP;
    }
    p = num(b, p, start);
    b[p++] = SP;
    p = num(b, p, end);
    b[p++] = SP;
    b[p++] = DASH;
    b[p++] = SP;
    p = copy(b, p, STATUS_BYTES[logStatus === NODATA ? 1 : 2] as Uint8Array);
    if (this.v5) {
      // tcp-flags type pkt-srcaddr pkt-dstaddr, then region az sublocation*, then services, direction, path
      p = copy(b, p, this.meta[eni] as Uint8Array);
      p = copy(b, p, DASH4);
      p = copy(b, p, this.place[eni] as Uint8Array);
      p = copy(b, p, DASH4);
    }
    b[p++] = NL;
    this.pos = p;
    this.records++;
  }

  private addr(p: number, id: number): number {
    const b = this.buf;
    const a = this.addrBuf;
    const end = this.addrOff[id + 1] as number;
    for (let i = this.addrOff[id] as number; i < end; i++) b[p++] = a[i] as number;
    return p;
  }

  private svc(p: number, id: number): number {
    const b = this.buf;
    const a = this.svcBuf;
    const end = this.svcOff[id + 1] as number;
    for (let i = this.svcOff[id] as number; i < end; i++) b[p++] = a[i] as number;
    return p;
  }

  private time(p: number, v: number): number {
    let rel = v - this.timeBase;
    if (rel < 0 || rel >= 256 || this.timeBase < 0) {
      if (v < 1e9 || v >= 1e10) return num(this.buf, p, v);
      this.timeBase = v - 64;
      for (let i = 0; i < 256; i++) num(this.timeLut, i * 10, this.timeBase + i);
      rel = 64;
    }
    const b = this.buf;
    const lut = this.timeLut;
    const o = rel * 10;
    for (let i = 0; i < 10; i++) b[p + i] = lut[o + i] as number;
    return p + 10;
  }

  private indexAddresses(): void {
    const t = this.estate.addrs;
    const flat = (items: Uint8Array[]): [Uint8Array<ArrayBuffer>, Int32Array<ArrayBuffer>] => {
      const off = new Int32Array(items.length + 1);
      for (let i = 0; i < items.length; i++) off[i + 1] = (off[i] as number) + (items[i] as Uint8Array).length;
      const buf = new Uint8Array(off[items.length] as number);
      for (let i = 0; i < items.length; i++) buf.set(items[i] as Uint8Array, off[i] as number);
      return [buf, off];
    };
    [this.addrBuf, this.addrOff] = flat(t.bytes);
    [this.svcBuf, this.svcOff] = flat(t.awsService.map((s) => enc.encode(s || '-')));
    this.addrCount = t.size;
  }

  private put(bytes: Uint8Array): void {
    if (this.pos + bytes.length > CHUNK) this.flush();
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.out.write(this.buf.subarray(0, this.pos));
    this.bytesOut += this.pos;
    this.pos = 0;
  }
}

function copy(b: Uint8Array, p: number, src: Uint8Array): number {
  const n = src.length;
  // native copy wins for the long per-ENI prefixes, a loop for short tokens
  if (n > 24) b.set(src, p);
  else for (let i = 0; i < n; i++) b[p + i] = src[i] as number;
  return p + n;
}

/** Decimal text of 0..65535, 5 bytes per value, with lengths: ports are half the numbers written. */
const PORT_TEXT = new Uint8Array(65536 * 5);
const PORT_LEN = new Uint8Array(65536);
for (let v = 0; v < 65536; v++) {
  const s = String(v);
  PORT_LEN[v] = s.length;
  for (let i = 0; i < s.length; i++) PORT_TEXT[v * 5 + i] = s.charCodeAt(i);
}

function port(b: Uint8Array, p: number, v: number): number {
  if (v < 0 || v > 65535) return num(b, p, v);
  const n = PORT_LEN[v] as number;
  const o = v * 5;
  for (let i = 0; i < n; i++) b[p + i] = PORT_TEXT[o + i] as number;
  return p + n;
}

/** Writes a non-negative integer in decimal; fast path for the common < 2^31 case. */
function num(b: Uint8Array, p: number, v: number): number {
  if (v < 10) {
    b[p] = 48 + v;
    return p + 1;
  }
  const digits = v < 100 ? 2 : v < 1e3 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9
    : v < 1e10 ? 10 : v < 1e11 ? 11 : v < 1e12 ? 12 : v < 1e13 ? 13 : v < 1e14 ? 14 : v < 1e15 ? 15 : 16;
  let q = p + digits - 1;
  let x = v;
  if (x < 2147483648) {
    let y = x | 0;
    while (y >= 10) {
      const d = (y / 10) | 0;
      b[q--] = 48 + y - d * 10;
      y = d;
    }
    b[q] = 48 + y;
  } else {
    while (x >= 10) {
      const d = Math.floor(x / 10);
      b[q--] = 48 + x - d * 10;
      x = d;
    }
    b[q] = 48 + x;
  }
  return p + digits;
}
