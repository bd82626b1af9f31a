/**
 * long-connection: one connection (same 5-tuple, records no further apart than
 * maxIdleGapSec) lasting past RITA's duration buckets (1 h / 4 h / 8 h / 12 h
 * by default). Reported once per bucket crossed, in the tick after the record
 * that crossed it. Keyed by source.
 */
import type { LongConnectionConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { KeyIndex, compactColumn, ensureCapacity } from '../state/key-index';
import { type Candidate, type Detector, type EngineContext, type FlowDirection, directionOf, raiseSeverity, signal } from './detector';

interface Crossing {
  session: number;
  bucket: number;
  due: number;
  direction: FlowDirection;
}

/** services whose clients normally hold connections open (web sockets, MQTT, XMPP, push, mail, SSH, RDP) */
const STANDARD_PORTS = new Set([22, 80, 443, 993, 1883, 3389, 5222, 5223, 8080, 8443, 8883]);

export class LongConnectionDetector implements Detector {
  readonly id = 'long-connection' as const;
  readonly name = 'long-connection';
  readonly keying = 'src' as const;
  private readonly sessions: KeyIndex;
  private first = new Float64Array(256);
  private lastEnd = new Float64Array(256);
  private bytes = new Float64Array(256);
  private packets = new Float64Array(256);
  private reported = new Int8Array(256);
  private eni = new Int32Array(256);
  private account = new Int32Array(256);
  private pending: Crossing[] = [];
  private readonly allowed: Set<FlowDirection>;

  constructor(private readonly ctx: EngineContext, private readonly cfg: LongConnectionConfig) {
    this.sessions = new KeyIndex(4, 1024, ctx.config.state.maxEntriesPerTable);
    this.allowed = new Set(cfg.directions);
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const buckets = this.cfg.bucketsSec;
    const gap = this.cfg.maxIdleGapSec;
    const tick = this.ctx.config.tickSec;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & (RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) continue;
      // a session's direction never changes: skip the directions that are not reported (outbound only by default)
      const direction = directionOf(f);
      if (!this.allowed.has(direction)) continue;
      const start = b.start[i] as number;
      const end = b.end[i] as number;
      const ports = (((b.srcPort[i] as number) & 0xffff) << 16) | ((b.dstPort[i] as number) & 0xffff);
      const s = this.sessions.upsert(p.srcIp[i] as number, p.dstIp[i] as number, ports, b.protocol[i] as number);
      if (s < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (this.sessions.added || start - (this.lastEnd[s] as number) > gap) {
        if (this.sessions.added) this.grow(this.sessions.size);
        this.first[s] = start;
        this.lastEnd[s] = end;
        this.bytes[s] = 0;
        this.packets[s] = 0;
        this.reported[s] = -1;
        this.eni[s] = p.eni[i] as number;
        this.account[s] = p.account[i] as number;
      }
      if (start < (this.first[s] as number)) this.first[s] = start;
      if (end > (this.lastEnd[s] as number)) this.lastEnd[s] = end;
      this.bytes[s] = (this.bytes[s] as number) + Math.max(0, b.bytes[i] as number);
      this.packets[s] = (this.packets[s] as number) + Math.max(0, b.packets[i] as number);
      const duration = (this.lastEnd[s] as number) - (this.first[s] as number);
      let bucket = this.reported[s] as number;
      while (bucket + 1 < buckets.length && duration >= (buckets[bucket + 1] as number)) bucket++;
      if (bucket > (this.reported[s] as number)) {
        this.reported[s] = bucket;
        this.pending.push({ session: s, bucket, due: start - (start % tick) + tick, direction });
      }
    }
  }

  private grow(n: number): void {
    if (n <= this.first.length) return;
    this.first = ensureCapacity(this.first, n);
    this.lastEnd = ensureCapacity(this.lastEnd, n);
    this.bytes = ensureCapacity(this.bytes, n);
    this.packets = ensureCapacity(this.packets, n);
    this.reported = ensureCapacity(this.reported, n);
    this.eni = ensureCapacity(this.eni, n);
    this.account = ensureCapacity(this.account, n);
  }

  advance(watermark: number, out: Candidate[]): void {
    if (this.pending.length === 0) return;
    const keep: Crossing[] = [];
    for (const c of this.pending) {
      if (c.due <= watermark) out.push(this.describe(c));
      else keep.push(c);
    }
    this.pending = keep;
  }

  private describe(c: Crossing): Candidate {
    const ctx = this.ctx;
    const s = c.session;
    const src = ctx.ips.str(this.sessions.key(s, 0));
    const dst = ctx.ips.str(this.sessions.key(s, 1));
    const ports = this.sessions.key(s, 2);
    const sport = (ports >>> 16) & 0xffff;
    const dport = ports & 0xffff;
    const protocol = this.sessions.key(s, 3);
    const bucketSec = this.cfg.bucketsSec[c.bucket] as number;
    const duration = (this.lastEnd[s] as number) - (this.first[s] as number);
    const eni = ctx.enis.str(this.eni[s] as number);
    const account = ctx.accounts.str(this.account[s] as number);
    return {
      detector: this.id,
      entity: `${src}>${dst}:${dport}/${protocol}`,
      windowStart: c.due - ctx.config.tickSec,
      windowEnd: c.due,
      firstSeen: this.first[s] as number,
      lastSeen: (this.first[s] as number) + duration,
      // RITA buckets: 1 h and 4 h stay at the base severity, 8 h one step up, 12 h two
      severity: raiseSeverity(this.cfg.severity, Math.max(0, c.bucket - 1)),
      confidence: Math.min(0.9, 0.5 + 0.1 * c.bucket),
      score: Math.round((duration / (this.cfg.bucketsSec[0] as number)) * 100) / 100,
      magnitude: bucketSec,
      actor: src,
      targets: [dst],
      ports: [dport],
      protocol,
      mitre: STANDARD_PORTS.has(dport) ? ['T1071'] : ['T1071', 'T1571'],
      summary: `${c.direction} connection ${src}:${sport} → ${dst}:${dport} open for over ${Math.round(bucketSec / 3600)} h (${Math.round(this.bytes[s] as number)} bytes so far)`,
      signals: [
        signal('durationSec', duration, bucketSec, `bucket ${c.bucket + 1} of ${this.cfg.bucketsSec.length}`),
        signal('bytes', this.bytes[s] as number),
        signal('packets', this.packets[s] as number),
      ],
      evidence: [{
        ...(eni ? { interfaceId: eni } : {}), srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, protocol,
        packets: this.packets[s] as number, bytes: this.bytes[s] as number, start: this.first[s] as number, end: (this.first[s] as number) + duration, action: 'ACCEPT',
      }],
      interfaceIds: eni ? [eni] : [],
      ...(account ? { accountId: account } : {}),
    };
  }

  release(): void {
    /* no windows */
  }

  maintain(watermark: number): void {
    const n = this.sessions.size;
    if (n === 0) return;
    const before = watermark - this.cfg.maxIdleGapSec;
    const pendingSessions = new Set(this.pending.map((c) => c.session));
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let s = 0; s < n; s++) {
      if ((this.lastEnd[s] as number) >= before || pendingSessions.has(s)) keep[s] = 1;
      else dropped++;
    }
    if (dropped === 0 || (dropped < n / 10 && n < this.sessions.maxEntries * 0.9)) return;
    const remap = this.sessions.compact(keep);
    for (const col of [this.first, this.lastEnd, this.bytes, this.packets, this.reported, this.eni, this.account]) compactColumn(col, remap);
    for (const c of this.pending) c.session = remap[c.session] as number;
  }

  stateSize(): number {
    return this.sessions.size;
  }
}
