/**
 * malicious-ip: traffic with an address on a custom threat list (or marked by
 * ingest enrichment). Outbound contact from our workload is the finding that
 * matters (GuardDuty MaliciousIPCaller.Custom, medium; high once data moved);
 * inbound contact from a listed address is reported lower. Keyed by source.
 */
import { Mark } from '@flowguard/contracts';
import type { MaliciousIpConfig } from '../config/detection-config';
import { IpAttr } from '../engine/ip-registry';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, raiseSeverity, signal } from './detector';

// module-level copies: the contracts barrel re-exports through getters
const MARK_DST_THREAT_LIST = Mark.DST_THREAT_LIST;
const MARK_SRC_THREAT_LIST = Mark.SRC_THREAT_LIST;


class ListedWindow {
  readonly pairs = new KeyIndex(2, 64, 1 << 20);
  records = new Int32Array(64);
  accepts = new Int32Array(64);
  bytes = new Float64Array(64);
  /** 1 = destination listed, 2 = source listed */
  side = new Uint8Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  port = new Int32Array(64);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  ensure(n: number): void {
    if (n <= this.records.length) return;
    for (const k of ['records', 'accepts', 'bytes', 'side', 'first', 'last', 'port'] as const) {
      (this as unknown as Record<string, Int32Array>)[k] = ensureCapacity(this[k] as Int32Array, n);
    }
  }
  reset(): void {
    const n = this.pairs.size;
    for (const a of [this.records, this.accepts, this.bytes, this.side]) a.fill(0, 0, n);
    this.pairs.clear();
    this.evidence.clear();
  }
}

export class MaliciousIpDetector implements Detector {
  readonly id = 'malicious-ip' as const;
  readonly name = 'malicious-ip';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<ListedWindow>;

  constructor(private readonly ctx: EngineContext, private readonly cfg: MaliciousIpConfig) {
    this.windows = new TumblingWindows(cfg.windowSec, () => new ListedWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset());
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const attrs = this.ctx.ips.attrs;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if (f & RowFlag.RESPONSE) continue;
      const src = p.srcIp[i] as number;
      const dst = p.dstIp[i] as number;
      const marks = b.marks[i] as number;
      const dstListed = ((attrs[dst] as number) & IpAttr.LISTED) !== 0 || (marks & MARK_DST_THREAT_LIST) !== 0;
      const srcListed = ((attrs[src] as number) & IpAttr.LISTED) !== 0 || (marks & MARK_SRC_THREAT_LIST) !== 0;
      if (!dstListed && !srcListed) continue;
      const start = b.start[i] as number;
      const w = this.windows.at(start);
      const e = w.pairs.upsert(src, dst);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (w.pairs.added) {
        w.ensure(w.pairs.size);
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
        w.side[e] = dstListed ? 1 : 2;
        w.port[e] = b.dstPort[i] as number;
      }
      w.records[e]++;
      if (f & RowFlag.ACCEPT) w.accepts[e]++;
      w.bytes[e] += Math.max(0, b.bytes[i] as number);
      if (start < (w.first[e] as number)) w.first[e] = start;
      if ((b.end[i] as number) > (w.last[e] as number)) w.last[e] = b.end[i] as number;
      w.evidence.sample(e, p, i);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: ListedWindow, start: number, end: number, out: Candidate[]): void {
    const ctx = this.ctx;
    const c = this.cfg;
    for (let e = 0; e < w.pairs.size; e++) {
      const srcId = w.pairs.key(e, 0);
      const dstId = w.pairs.key(e, 1);
      const src = ctx.ips.str(srcId);
      const dst = ctx.ips.str(dstId);
      const outbound = (w.side[e] as number) === 1;
      const listedId = outbound ? dstId : srcId;
      const info = ctx.ips.listed(listedId) ?? { list: 'enrichment' };
      const accepts = w.accepts[e] as number;
      const bytes = w.bytes[e] as number;
      const steps = outbound ? (accepts > 0 && bytes >= c.highBytes ? 1 : accepts === 0 ? -1 : 0) : accepts > 0 ? -1 : -2;
      const port = w.port[e] as number;
      out.push({
        detector: this.id,
        entity: `${src}>${dst}`,
        windowStart: start,
        windowEnd: end,
        firstSeen: w.first[e] as number,
        lastSeen: w.last[e] as number,
        severity: raiseSeverity(c.severity, steps),
        confidence: accepts > 0 ? 0.8 : 0.6,
        score: 0.8,
        magnitude: w.records[e] as number,
        actor: src,
        targets: [dst],
        ports: port >= 0 ? [port] : [],
        mitre: outbound ? ['T1071'] : [],
        summary: outbound
          ? `${src} contacted ${dst}, listed on ${info.list}${info.reason ? ` (${info.reason})` : ''}: ${w.records[e]} records, ${Math.round(bytes)} bytes${accepts === 0 ? ', all rejected' : ''}`
          : `${src}, listed on ${info.list}${info.reason ? ` (${info.reason})` : ''}, contacted ${dst}${accepts === 0 ? ' (all rejected)' : ''}`,
        signals: [
          signal(outbound ? 'destinationListed' : 'sourceListed', 1, undefined, `${info.list}${info.reason ? `: ${info.reason}` : ''}`.slice(0, 200)),
          signal('records', w.records[e] as number),
          signal('accepted', accepts),
          signal('bytes', bytes, outbound ? c.highBytes : undefined),
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
