/**
 * unusual-port: a workload reaching a remote port it has never used before,
 * once its learning period is over (GuardDuty's NetworkPortUnusual). Many new
 * ports in one window are folded into one finding for the workload, so a scan
 * does not become one alert per port. Keyed by source.
 *
 * Remote ports are learned for internet peers (outbound) and for our own peers
 * (internal: lateral movement over WinRM, SMB or SSH is a new east-west port).
 * The learning period runs per workload from its own first request (ADR 0027),
 * so an instance launched after the estate's first week learns its own ports
 * instead of reporting every one of them. An internal destination port that
 * serviceMinSources of our workloads use is an established service: a workload
 * joining it (a release that makes every app server call a new internal API) is
 * not news, while one host reaching a peer's port nobody uses (WinRM) is.
 */
import type { UnusualPortConfig } from '../config/detection-config';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, compactColumn, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, signal } from './detector';
import { portKey, portOf } from './port-scan.detector';

class NewPortWindow {
  /** (src, port key) first seen after learning */
  readonly events = new KeyIndex(2, 64, 1 << 20);
  first = new Uint32Array(64);
  dst = new Int32Array(64);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  reset(): void {
    this.events.clear();
    this.evidence.clear();
  }
}

export class UnusualPortDetector implements Detector {
  readonly id = 'unusual-port' as const;
  readonly name = 'unusual-port';
  readonly keying = 'src' as const;
  private readonly hosts: KeyIndex;
  private hostFirst = new Float64Array(256);
  private hostLast = new Float64Array(256);
  private readonly ports: KeyIndex;
  private portLast = new Float64Array(1024);
  private readonly windows: TumblingWindows<NewPortWindow>;
  /** which of our workloads' requests are learned: to internet peers, to our own peers */
  private readonly outbound: boolean;
  private readonly internal: boolean;
  /** (src, internal dst, port key) requests seen, with last use: who uses which of our services */
  private readonly peers: KeyIndex;
  private peerLast = new Float64Array(1024);
  /** (internal dst, port key) → distinct sources among peers */
  private readonly services: KeyIndex;
  private serviceSources = new Int32Array(256);

  constructor(private readonly ctx: EngineContext, private readonly cfg: UnusualPortConfig) {
    const max = ctx.config.state.maxEntriesPerTable;
    this.outbound = cfg.directions.includes('outbound');
    this.internal = cfg.directions.includes('internal');
    this.hosts = new KeyIndex(1, 256, max);
    this.ports = new KeyIndex(2, 1024, max);
    this.peers = new KeyIndex(3, 1024, max);
    this.services = new KeyIndex(2, 256, max);
    this.windows = new TumblingWindows(cfg.windowSec, () => new NewPortWindow(3), (w) => w.reset());
  }

  ingest(p: PreparedBatch): void {
    const b = p.batch;
    const c = this.cfg;
    for (let k = p.from; k < p.to; k++) {
      const i = p.rows[k] as number;
      const f = p.flags[i] as number;
      if ((f & (RowFlag.SRC_LOCAL | RowFlag.RESPONSE | RowFlag.AMBIGUOUS | RowFlag.DST_NON_UNICAST)) !== RowFlag.SRC_LOCAL) continue;
      if (!((f & RowFlag.DST_LOCAL) !== 0 ? this.internal : this.outbound)) continue;
      if ((f & (RowFlag.TCP | RowFlag.UDP)) === 0) continue;
      const dport = b.dstPort[i] as number;
      if (dport < 0 || dport > c.ignorePortsAbove) continue;
      const src = p.srcIp[i] as number;
      const start = b.start[i] as number;
      const pk = portKey(dport, b.protocol[i] as number);
      if ((f & RowFlag.DST_LOCAL) !== 0 && c.serviceMinSources > 0) this.usePeer(src, p.dstIp[i] as number, pk, start);
      const h = this.hosts.upsert(src);
      const q = this.ports.upsert(src, pk);
      if (h < 0 || q < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (this.hosts.added) {
        this.hostFirst = ensureCapacity(this.hostFirst, h + 1);
        this.hostLast = ensureCapacity(this.hostLast, h + 1);
        this.hostFirst[h] = start;
        this.hostLast[h] = start;
      } else if (start < (this.hostFirst[h] as number)) this.hostFirst[h] = start;
      if (start > (this.hostLast[h] as number)) this.hostLast[h] = start;
      const isNew = this.ports.added;
      if (isNew) this.portLast = ensureCapacity(this.portLast, q + 1);
      if (isNew || start > (this.portLast[q] as number)) this.portLast[q] = start;
      if (isNew && start - (this.hostFirst[h] as number) >= c.learningPeriodSec) {
        const w = this.windows.at(start);
        const ev = w.events.upsert(src, pk);
        if (ev >= 0 && w.events.added) {
          w.first = ensureCapacity(w.first, ev + 1);
          w.dst = ensureCapacity(w.dst, ev + 1);
          w.first[ev] = start;
          w.dst[ev] = p.dstIp[i] as number;
          w.evidence.sample(ev, p, i, 1);
        }
      }
    }
  }

  /** count distinct sources per internal (destination, port): one upsert per internal request row */
  private usePeer(src: number, dst: number, pk: number, start: number): void {
    const e = this.peers.upsert(src, dst, pk);
    if (e < 0) return; // full: the service count stays an undercount, so more is reported, never less
    if (this.peers.added) {
      this.peerLast = ensureCapacity(this.peerLast, e + 1);
      this.peerLast[e] = start;
      const sv = this.services.upsert(dst, pk);
      if (sv < 0) return;
      if (this.services.added) {
        this.serviceSources = ensureCapacity(this.serviceSources, sv + 1);
        this.serviceSources[sv] = 0;
      }
      this.serviceSources[sv] = (this.serviceSources[sv] as number) + 1;
    } else if (start > (this.peerLast[e] as number)) this.peerLast[e] = start;
  }

  /** the new port's destination is one of our services that at least serviceMinSources of our workloads use */
  private joinsService(dst: number, pk: number): boolean {
    const n = this.cfg.serviceMinSources;
    if (n <= 0) return false;
    const sv = this.services.find(dst, pk);
    return sv >= 0 && (this.serviceSources[sv] as number) >= n;
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: NewPortWindow, start: number, end: number, out: Candidate[]): void {
    const ctx = this.ctx;
    const c = this.cfg;
    const bySrc = new Map<number, number[]>();
    for (let ev = 0; ev < w.events.size; ev++) {
      if (this.joinsService(w.dst[ev] as number, w.events.key(ev, 1))) {
        this.joinedServices++;
        continue;
      }
      const src = w.events.key(ev, 0);
      let l = bySrc.get(src);
      if (!l) bySrc.set(src, (l = []));
      l.push(ev);
    }
    for (const [srcId, evs] of bySrc) {
      const src = ctx.ips.str(srcId);
      const one = (ev: number, entity: string, ports: number[], targets: string[], summary: string, many: boolean): Candidate => ({
        detector: this.id,
        entity,
        windowStart: start,
        windowEnd: end,
        firstSeen: Math.min(...evs.map((x) => w.first[x] as number)),
        lastSeen: Math.max(...evs.map((x) => w.first[x] as number)),
        severity: c.severity,
        confidence: many ? 0.6 : 0.5,
        score: ports.length,
        magnitude: ports.length,
        actor: src,
        targets,
        ports,
        mitre: ['T1571'],
        summary,
        signals: [signal('newRemotePorts', ports.length, undefined, `first use after a ${Math.round(c.learningPeriodSec / 86400)}-day learning period`)],
        evidence: many ? evs.slice(0, ctx.config.aggregation.maxEvidence).flatMap((x) => w.evidence.refs(x, ctx.names)) : w.evidence.refs(ev, ctx.names),
        ...w.evidence.context(ev, ctx.names),
      });
      if (evs.length <= c.maxNewPortsPerWindow) {
        for (const ev of evs) {
          const key = w.events.key(ev, 1);
          const port = portOf(key);
          const proto = key >> 16 ? 'udp' : 'tcp';
          const dst = ctx.ips.str(w.dst[ev] as number);
          out.push(one(ev, `${src}:${port}/${proto}`, [port], [dst], `${src} used remote port ${port}/${proto} for the first time (to ${dst})`, false));
        }
      } else {
        const ports = evs.map((x) => portOf(w.events.key(x, 1))).sort((a, b) => a - b).slice(0, c.maxNewPortsPerWindow * 40);
        const targets = [...new Set(evs.map((x) => ctx.ips.str(w.dst[x] as number)))].slice(0, ctx.config.aggregation.maxTargets);
        out.push(one(evs[0] as number, `${src}:many`, ports, targets, `${src} used ${evs.length} remote ports for the first time within ${c.windowSec} s`, true));
      }
    }
  }

  /** new ports not reported because they joined an established internal service */
  joinedServices = 0;

  benignSkips(): Record<string, number> {
    return { 'joined-service': this.joinedServices };
  }

  release(): void {
    this.windows.release();
  }

  maintain(watermark: number): void {
    const before = watermark - this.cfg.portTtlSec;
    const n = this.ports.size;
    if (n > 0) {
      const keep = new Uint8Array(n);
      let dropped = 0;
      for (let q = 0; q < n; q++) {
        if ((this.portLast[q] as number) >= before) keep[q] = 1;
        else dropped++;
      }
      if (dropped > 0 && (dropped >= n / 10 || n >= this.ports.maxEntries * 0.9)) compactColumn(this.portLast, this.ports.compact(keep));
    }
    this.expirePeers(before);
    const m = this.hosts.size;
    if (m > 0) {
      const keep = new Uint8Array(m);
      let dropped = 0;
      for (let h = 0; h < m; h++) {
        if ((this.hostLast[h] as number) >= before) keep[h] = 1;
        else dropped++;
      }
      if (dropped > 0 && (dropped >= m / 10 || m >= this.hosts.maxEntries * 0.9)) {
        const remap = this.hosts.compact(keep);
        compactColumn(this.hostFirst, remap);
        compactColumn(this.hostLast, remap);
      }
    }
  }

  /** drop peers unused for portTtlSec and recount the services from the survivors */
  private expirePeers(before: number): void {
    const n = this.peers.size;
    if (n === 0) return;
    const keep = new Uint8Array(n);
    let dropped = 0;
    for (let e = 0; e < n; e++) {
      if ((this.peerLast[e] as number) >= before) keep[e] = 1;
      else dropped++;
    }
    if (dropped === 0 || (dropped < n / 10 && n < this.peers.maxEntries * 0.9)) return;
    compactColumn(this.peerLast, this.peers.compact(keep));
    this.services.clear();
    for (let e = 0; e < this.peers.size; e++) {
      const sv = this.services.upsert(this.peers.key(e, 1), this.peers.key(e, 2));
      if (sv < 0) continue;
      this.serviceSources = ensureCapacity(this.serviceSources, sv + 1);
      if (this.services.added) this.serviceSources[sv] = 0;
      this.serviceSources[sv] = (this.serviceSources[sv] as number) + 1;
    }
  }

  stateSize(): number {
    return this.ports.size + this.hosts.size + this.peers.size;
  }
}
