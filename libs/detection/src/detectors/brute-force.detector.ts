/**
 * brute-force: many short connections to a login port (SSH, RDP, WinRM, FTP,
 * Telnet, databases...). Each connection (distinct source port) with little
 * payload is one attempt. Two parts:
 * - attacker (keyed by source): one source against one target port;
 * - target (keyed by destination): many sources against one target port
 *   (distributed guessing, spraying).
 */
import type { BruteForceConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, decades, hopOf, raiseSeverity, ratioConfidence, signal } from './detector';

export const SERVICE: Record<number, string> = { 21: 'FTP', 22: 'SSH', 23: 'Telnet', 110: 'POP3', 143: 'IMAP', 445: 'SMB', 1433: 'MSSQL', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5900: 'VNC', 5985: 'WinRM', 5986: 'WinRM' };
export const FOLLOW_ON: Record<number, string> = { 22: 'T1021.004', 3389: 'T1021.001', 5985: 'T1021.006', 5986: 'T1021.006', 445: 'T1021.002', 5900: 'T1021.005' };

export class BfWindow {
  /** attacker part: (src, dst, port); target part: (dst, port, 0) */
  readonly entities = new KeyIndex(3, 64, 1 << 20);
  /** attempts already counted: (entity, srcPort or source) */
  readonly seen = new KeyIndex(2, 64, 1 << 22);
  attempts = new Int32Array(64);
  rejects = new Int32Array(64);
  large = new Int32Array(64);
  sources = new Int32Array(64);
  local = new Uint8Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  ensure(n: number): void {
    if (n <= this.attempts.length) return;
    for (const k of ['attempts', 'rejects', 'large', 'sources', 'local', 'first', 'last'] as const) {
      (this as unknown as Record<string, Int32Array>)[k] = ensureCapacity(this[k] as Int32Array, n);
    }
  }
  reset(): void {
    const n = this.entities.size;
    for (const a of [this.attempts, this.rejects, this.large, this.sources, this.local]) a.fill(0, 0, n);
    this.entities.clear();
    this.seen.clear();
    this.evidence.clear();
  }
}

abstract class BruteForceBase implements Detector {
  readonly id = 'brute-force' as const;
  abstract readonly name: string;
  abstract readonly keying: 'src' | 'dst';
  protected readonly windows: TumblingWindows<BfWindow>;
  protected readonly loginPort = new Uint8Array(65536);

  /** `window`: size and hop of this part's windows (default: the fast window, hopping by half) */
  constructor(protected readonly ctx: EngineContext, protected readonly cfg: BruteForceConfig, window?: { size: number; hop: number }) {
    for (const p of cfg.ports) this.loginPort[p] = 1;
    const size = window?.size ?? cfg.windowSec;
    this.windows = new TumblingWindows(size, () => new BfWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset(), window?.hop ?? hopOf(cfg.windowSec, ctx.config.tickSec));
  }

  /** Whether a row to a login port counts for this part (see the subclasses). */
  protected abstract counts(flags: number, port: number): boolean;
  protected abstract entityOf(w: BfWindow, src: number, dst: number, port: number): number;
  protected abstract countOf(w: BfWindow, e: number, src: number, sport: number): boolean;
  protected abstract hot(w: BfWindow, e: number): boolean;
  protected abstract close(w: BfWindow, start: number, end: number, out: Candidate[]): void;
  /** Hook for a second entity per row (the attacker part's spray aggregate). */
  protected alsoCount(_w: BfWindow, _p: PreparedBatch, _i: number, _f: number, _src: number, _dst: number, _port: number, _sport: number, _bytes: number, _start: number): void {
    /* none by default */
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const maxBytes = this.cfg.maxBytesPerAttempt;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if ((f & (RowFlag.TCP | RowFlag.RESPONSE | RowFlag.DST_NON_UNICAST)) !== RowFlag.TCP) continue;
      const port = b.dstPort[i] as number;
      if (port < 0 || this.loginPort[port] !== 1) continue;
      if (!this.counts(f, port)) continue;
      const start = b.start[i] as number;
      const src = p.srcIp[i] as number;
      const dst = p.dstIp[i] as number;
      const sport = b.srcPort[i] as number;
      const bytes = b.bytes[i] as number;
      for (let h = 0; h < this.windows.span; h++) {
        const w = this.windows.atHop(start, h);
        const e = this.entityOf(w, src, dst, port);
        if (e < 0) {
          this.ctx.evicted(this.name);
          continue;
        }
        if (w.entities.added) {
          w.ensure(w.entities.size);
          w.first[e] = start;
          w.last[e] = b.end[i] as number;
        }
        // a login exchanges keys and prompts: a payload-less probe (a sweep's SYN) is not an attempt
        if (f & RowFlag.REJECT) w.rejects[e]++;
        else if (bytes > maxBytes) w.large[e]++;
        else if ((f & RowFlag.PROBE) === 0 && this.countOf(w, e, src, sport)) w.attempts[e]++;
        if (f & RowFlag.SRC_LOCAL) w.local[e] = 1;
        if (start < (w.first[e] as number)) w.first[e] = start;
        if ((b.end[i] as number) > (w.last[e] as number)) w.last[e] = b.end[i] as number;
        w.evidence.sample(e, p, i, this.hot(w, e) ? w.evidence.limit : 2);
        this.alsoCount(w, p, i, f, src, dst, port, sport, bytes, start);
      }
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  release(): void {
    this.windows.release();
  }

  maintain(): void {
    /* windowed state only */
  }

  stateSize(): number {
    let n = 0;
    this.windows.forEachOpen((w) => (n += w.seen.size));
    return n;
  }
}

export class BruteForceDetector extends BruteForceBase {
  readonly name: string = 'brute-force';
  readonly keying = 'src' as const;
  private readonly internalIgnored = new Uint8Array(65536);

  constructor(ctx: EngineContext, cfg: BruteForceConfig, window?: { size: number; hop: number }) {
    super(ctx, cfg, window);
    for (const p of cfg.ignoreInternalPorts) this.internalIgnored[p] = 1;
  }

  /** Applications open many short database connections inside the VPC: those ports count only across the boundary. */
  protected counts(flags: number, port: number): boolean {
    return !(this.internalIgnored[port] === 1 && (flags & (RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL)) === (RowFlag.SRC_LOCAL | RowFlag.DST_LOCAL));
  }

  protected entityOf(w: BfWindow, src: number, dst: number, port: number): number {
    return w.entities.upsert(src, dst, port);
  }

  /** one attempt per connection: count a source port once per window */
  protected countOf(w: BfWindow, e: number, _src: number, sport: number): boolean {
    w.seen.upsert(e, sport);
    return w.seen.added;
  }

  protected hot(w: BfWindow, e: number): boolean {
    return (w.attempts[e] as number) * 2 >= this.cfg.minAttempts;
  }

  /**
   * Spraying: the same source's attempts on one port across all targets (entity with target -1).
   * Attempts are distinct source ports, targets distinct destinations (stored as ~dst in `seen`).
   */
  protected override alsoCount(w: BfWindow, p: PreparedBatch, i: number, f: number, src: number, dst: number, port: number, sport: number, bytes: number, start: number): void {
    const a = w.entities.upsert(src, SPRAY, port);
    if (a < 0) return;
    if (w.entities.added) {
      w.ensure(w.entities.size);
      w.first[a] = start;
      w.last[a] = start;
    }
    if ((f & (RowFlag.REJECT | RowFlag.PROBE)) !== 0 || bytes > this.cfg.maxBytesPerAttempt) return;
    w.seen.upsert(a, sport);
    if (w.seen.added) w.attempts[a]++;
    w.seen.upsert(a, ~dst);
    if (w.seen.added) w.sources[a]++;
    if (f & RowFlag.SRC_LOCAL) w.local[a] = 1;
    if (start < (w.first[a] as number)) w.first[a] = start;
    if (start > (w.last[a] as number)) w.last[a] = start;
    w.evidence.sample(a, p, i, (w.attempts[a] as number) * 2 >= this.cfg.minAttempts ? w.evidence.limit : 1);
  }

  protected close(w: BfWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const ctx = this.ctx;
    for (let e = 0; e < w.entities.size; e++) {
      const attempts = w.attempts[e] as number;
      if (attempts < c.minAttempts) continue;
      if (w.entities.key(e, 1) === SPRAY) {
        if ((w.sources[e] as number) >= 2) out.push(this.describeSpray(w, e, start, end));
        continue;
      }
      const src = ctx.ips.str(w.entities.key(e, 0));
      const dst = ctx.ips.str(w.entities.key(e, 1));
      const port = w.entities.key(e, 2);
      const local = (w.local[e] as number) === 1;
      const large = w.large[e] as number;
      const service = SERVICE[port] ?? `port ${port}`;
      // GuardDuty: high when our workload attacks, low when it is the target
      const base = local ? c.severity : c.targetSeverity;
      const mitre = ['T1110.001', ...(large > 0 && FOLLOW_ON[port] ? [FOLLOW_ON[port] as string] : [])];
      out.push({
        detector: this.id,
        entity: `${src}>${dst}:${port}`,
        windowStart: start,
        windowEnd: end,
        firstSeen: w.first[e] as number,
        lastSeen: w.last[e] as number,
        severity: raiseSeverity(base, decades(attempts, c.minAttempts) + (large > 0 ? 1 : 0)),
        confidence: ratioConfidence(attempts / c.minAttempts),
        score: Math.round((attempts / c.minAttempts) * 100) / 100,
        magnitude: attempts,
        actor: src,
        targets: [dst],
        ports: [port],
        protocol: 6,
        mitre,
        summary: `${src} made ${attempts} short ${service} connections to ${dst} within ${c.windowSec} s` +
          (large > 0 ? `; ${large} longer session(s) followed (possible successful login)` : ''),
        signals: [
          signal('attempts', attempts, c.minAttempts),
          signal('rejected', w.rejects[e] as number),
          signal('largeSessions', large, undefined, `sessions over ${c.maxBytesPerAttempt} bytes`),
          signal('actorIsOurs', local ? 1 : 0),
        ],
        evidence: () => w.evidence.refs(e, ctx.names),
        ...w.evidence.context(e, ctx.names),
      });
    }
  }

  private describeSpray(w: BfWindow, e: number, start: number, end: number): Candidate {
    const c = this.cfg;
    const ctx = this.ctx;
    const srcId = w.entities.key(e, 0);
    const src = ctx.ips.str(srcId);
    const port = w.entities.key(e, 2);
    const attempts = w.attempts[e] as number;
    const targetCount = w.sources[e] as number;
    const local = (w.local[e] as number) === 1;
    const targets: string[] = [];
    for (let s2 = 0; s2 < w.seen.size && targets.length < ctx.config.aggregation.maxTargets; s2++) {
      if (w.seen.key(s2, 0) === e && w.seen.key(s2, 1) < 0) targets.push(ctx.ips.str(~w.seen.key(s2, 1)));
    }
    const service = SERVICE[port] ?? `port ${port}`;
    return {
      detector: this.id,
      entity: `${src}>*:${port}`,
      windowStart: start,
      windowEnd: end,
      firstSeen: w.first[e] as number,
      lastSeen: w.last[e] as number,
      severity: raiseSeverity(local ? c.severity : c.targetSeverity, decades(attempts, c.minAttempts)),
      confidence: ratioConfidence(attempts / c.minAttempts),
      score: Math.round((attempts / c.minAttempts) * 100) / 100,
      magnitude: attempts,
      actor: src,
      targets: targets.sort(),
      ports: [port],
      protocol: 6,
      mitre: ['T1110.003'],
      summary: `${src} made ${attempts} short ${service} connections across ${targetCount} hosts within ${c.windowSec} s (spraying)`,
      signals: [signal('attempts', attempts, c.minAttempts), signal('targets', targetCount, 2), signal('actorIsOurs', local ? 1 : 0)],
      evidence: () => w.evidence.refs(e, ctx.names),
      ...w.evidence.context(e, ctx.names),
    };
  }
}

/** target id of the spray aggregate entity (engine address ids are ≥ 0) */
const SPRAY = -1;

export class BruteForceTargetDetector extends BruteForceBase {
  readonly name = 'brute-force/target';
  readonly keying = 'dst' as const;

  /** Distributed guessing comes from the internet; many internal clients of one server are its users. */
  protected counts(flags: number): boolean {
    return (flags & RowFlag.SRC_LOCAL) === 0;
  }

  protected entityOf(w: BfWindow, _src: number, dst: number, port: number): number {
    return w.entities.upsert(dst, port, 0);
  }

  /** every short connection is an attempt; distinct sources are counted alongside */
  protected countOf(w: BfWindow, e: number, src: number): boolean {
    w.seen.upsert(e, src);
    if (w.seen.added) w.sources[e]++;
    return true;
  }

  protected hot(w: BfWindow, e: number): boolean {
    return (w.sources[e] as number) * 2 >= this.cfg.targetMinSources;
  }

  protected close(w: BfWindow, start: number, end: number, out: Candidate[]): void {
    const c = this.cfg;
    const ctx = this.ctx;
    for (let e = 0; e < w.entities.size; e++) {
      const attempts = w.attempts[e] as number;
      const sources = w.sources[e] as number;
      if (sources < c.targetMinSources || attempts < c.targetMinAttempts) continue;
      const dst = ctx.ips.str(w.entities.key(e, 0));
      const port = w.entities.key(e, 1);
      const service = SERVICE[port] ?? `port ${port}`;
      out.push({
        detector: this.id,
        entity: `target:${dst}:${port}`,
        windowStart: start,
        windowEnd: end,
        firstSeen: w.first[e] as number,
        lastSeen: w.last[e] as number,
        severity: raiseSeverity(c.targetSeverity, decades(sources, c.targetMinSources)),
        confidence: ratioConfidence(Math.min(sources / c.targetMinSources, attempts / c.targetMinAttempts)),
        score: Math.round((sources / c.targetMinSources) * 100) / 100,
        magnitude: attempts,
        actor: null,
        targets: [dst],
        ports: [port],
        protocol: 6,
        mitre: ['T1110', 'T1110.003'],
        summary: `${sources} sources made ${attempts} short ${service} connections to ${dst} within ${c.windowSec} s (distributed guessing)`,
        signals: [
          signal('sources', sources, c.targetMinSources),
          signal('attempts', attempts, c.targetMinAttempts),
          signal('largeSessions', w.large[e] as number),
        ],
        evidence: () => w.evidence.refs(e, ctx.names),
        ...w.evidence.context(e, ctx.names),
      });
    }
  }
}
