/**
 * crypto-mining: outbound traffic to a known pool address (strong), or to a
 * pool port with the long-lived, steady, low-byte profile of a stratum session
 * (medium), or to a pool port alone (weak: ports are shared with other tools,
 * and pools also listen on 80/443). Keyed by source.
 */
import { Mark } from '@flowguard/contracts';
import type { CryptoMiningConfig } from '../config/detection-config';
import { IpAttr } from '../engine/ip-registry';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, raiseSeverity, signal } from './detector';

// module-level copies: the contracts barrel re-exports through getters
const MARK_DST_MINING_POOL = Mark.DST_MINING_POOL;


class MiningWindow {
  readonly pairs = new KeyIndex(3, 64, 1 << 20);
  records = new Int32Array(64);
  rejects = new Int32Array(64);
  bytes = new Float64Array(64);
  minutes = new Uint32Array(64);
  pool = new Uint8Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  ensure(n: number): void {
    if (n <= this.records.length) return;
    this.records = ensureCapacity(this.records, n);
    this.rejects = ensureCapacity(this.rejects, n);
    this.bytes = ensureCapacity(this.bytes, n);
    this.minutes = ensureCapacity(this.minutes, n);
    this.pool = ensureCapacity(this.pool, n);
    this.first = ensureCapacity(this.first, n);
    this.last = ensureCapacity(this.last, n);
  }
  reset(): void {
    const n = this.pairs.size;
    for (const a of [this.records, this.rejects, this.bytes, this.minutes, this.pool]) a.fill(0, 0, n);
    this.pairs.clear();
    this.evidence.clear();
  }
}

function popcount(v: number): number {
  let n = 0;
  for (let x = v >>> 0; x; x &= x - 1) n++;
  return n;
}

export class CryptoMiningDetector implements Detector {
  readonly id = 'crypto-mining' as const;
  readonly name = 'crypto-mining';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<MiningWindow>;
  private readonly poolPort = new Uint8Array(65536);

  constructor(private readonly ctx: EngineContext, private readonly cfg: CryptoMiningConfig) {
    for (const p of cfg.poolPorts) this.poolPort[p] = 1;
    this.windows = new TumblingWindows(cfg.windowSec, () => new MiningWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset());
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const attrs = this.ctx.ips.attrs;
    const tick = this.ctx.config.tickSec;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & (RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) continue;
      if ((f & (RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL)) === RowFlag.DST_LOCAL) continue; // inbound
      const dst = p.dstIp[i] as number;
      const dport = b.dstPort[i] as number;
      const pool = ((attrs[dst] as number) & IpAttr.MINING_POOL) !== 0 || ((b.marks[i] as number) & MARK_DST_MINING_POOL) !== 0;
      if (!pool && !(dport >= 0 && this.poolPort[dport] === 1)) continue;
      const start = b.start[i] as number;
      const w = this.windows.at(start);
      const e = w.pairs.upsert(p.srcIp[i] as number, dst, dport);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (w.pairs.added) {
        w.ensure(w.pairs.size);
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
      }
      w.records[e]++;
      if (f & RowFlag.REJECT) w.rejects[e]++;
      w.bytes[e] += Math.max(0, b.bytes[i] as number);
      // minutes of the window with traffic, start to end of the record
      const ws = start - (start % this.cfg.windowSec);
      const m0 = Math.floor((start - ws) / tick);
      const m1 = Math.min(31, Math.floor((Math.max(start, b.end[i] as number) - ws) / tick));
      for (let m = m0; m <= m1 && m < 32; m++) w.minutes[e] = (w.minutes[e] as number) | (1 << m);
      if (pool) w.pool[e] = 1;
      if (start < (w.first[e] as number)) w.first[e] = start;
      if ((b.end[i] as number) > (w.last[e] as number)) w.last[e] = b.end[i] as number;
      w.evidence.sample(e, p, i, pool ? w.evidence.limit : 3);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: MiningWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const ctx = this.ctx;
    for (let e = 0; e < w.pairs.size; e++) {
      const records = w.records[e] as number;
      const rejects = w.rejects[e] as number;
      const pool = (w.pool[e] as number) === 1;
      const active = popcount(w.minutes[e] as number);
      const perMinute = active > 0 ? (w.bytes[e] as number) / active : 0;
      const steady = active >= c.steadyMinActiveMinutes && perMinute <= c.steadyMaxBytesPerMinute;
      let kind: 'pool-address' | 'pool-port-steady' | 'pool-port' | null = null;
      if (pool) kind = 'pool-address';
      else if (steady) kind = 'pool-port-steady';
      else if (records >= c.portOnlyMinRecords) kind = 'pool-port';
      if (!kind) continue;
      const attempted = rejects === records;
      // ports alone are weak evidence (4444 is Metasploit's default too, pools also listen on 443):
      // a pool port with the stratum profile is low, a pool port alone is informational
      const steps = (kind === 'pool-address' ? 0 : kind === 'pool-port-steady' ? -2 : -3) + (attempted ? -1 : 0);
      const confidence = kind === 'pool-address' ? 0.9 : kind === 'pool-port-steady' ? 0.5 : 0.3;
      const src = ctx.ips.str(w.pairs.key(e, 0));
      const dst = ctx.ips.str(w.pairs.key(e, 1));
      const port = w.pairs.key(e, 2);
      out.push({
        detector: this.id,
        entity: `${src}>${dst}:${port}`,
        windowStart: start,
        windowEnd: end,
        firstSeen: w.first[e] as number,
        lastSeen: w.last[e] as number,
        severity: raiseSeverity(c.severity, steps),
        confidence: attempted ? confidence * 0.8 : confidence,
        score: confidence,
        magnitude: records,
        actor: src,
        targets: [dst],
        ports: [port],
        mitre: ['T1496', 'T1496.001'],
        summary: kind === 'pool-address'
          ? `${src} ${attempted ? 'tried to reach' : 'talked to'} mining pool ${dst}:${port} (${records} records, ${Math.round(w.bytes[e] as number)} bytes)`
          : `${src} kept a ${steady ? 'steady low-volume ' : ''}connection to ${dst} on mining-pool port ${port} (${active} of ${c.windowSec / ctx.config.tickSec} minutes active, ${Math.round(perMinute)} bytes/min)`,
        signals: [
          signal(kind, 1, undefined, kind === 'pool-port' ? 'port only: weak evidence' : undefined),
          signal('records', records, kind === 'pool-port' ? c.portOnlyMinRecords : undefined),
          signal('activeMinutes', active, c.steadyMinActiveMinutes),
          signal('bytesPerActiveMinute', perMinute, c.steadyMaxBytesPerMinute),
          signal('rejected', rejects),
        ],
        evidence: () => w.evidence.refs(e, ctx.names),
        ...w.evidence.context(e, ctx.names),
      });
    }
  }

  release(): void {
    this.windows.release();
  }

  maintain(): void {
    /* windowed state only */
  }

  stateSize(): number {
    let n = 0;
    this.windows.forEachOpen((w) => (n += w.pairs.size));
    return n;
  }
}
