/**
 * tor, direction-aware (A6): a workload connecting out to a Tor relay or guard
 * (client, T1090.003), inbound connections from Tor exits, and a workload that
 * is itself a listed relay. Keyed by source: the client and the relay cases by
 * our workload, the inbound case by the exit address.
 */
import { Mark } from '@flowguard/contracts';
import type { TorConfig } from '../config/detection-config';
import { IpAttr } from '../engine/ip-registry';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import { EvidenceSampler } from '../state/evidence-sampler';
import { KeyIndex, ensureCapacity } from '../state/key-index';
import { TumblingWindows } from '../state/windows';
import { type Candidate, type Detector, type EngineContext, raiseSeverity, signal } from './detector';

// module-level copies: the contracts barrel re-exports through getters
const MARK_DST_TOR_RELAY = Mark.DST_TOR_RELAY;
const MARK_DST_TOR_EXIT = Mark.DST_TOR_EXIT;
const MARK_SRC_TOR_EXIT = Mark.SRC_TOR_EXIT;


const ROLE_CLIENT = 0;
const ROLE_INBOUND = 1;
const ROLE_RELAY = 2;

class TorWindow {
  /** (actor, role, destination for inbound / 0) */
  readonly entities = new KeyIndex(3, 64, 1 << 20);
  readonly peers = new KeyIndex(3, 64, 1 << 20);
  records = new Int32Array(64);
  accepts = new Int32Array(64);
  bytes = new Float64Array(64);
  knownPort = new Uint8Array(64);
  first = new Uint32Array(64);
  last = new Uint32Array(64);
  readonly evidence: EvidenceSampler;
  constructor(maxEvidence: number) {
    this.evidence = new EvidenceSampler(maxEvidence);
  }
  ensure(n: number): void {
    if (n <= this.records.length) return;
    this.records = ensureCapacity(this.records, n);
    this.accepts = ensureCapacity(this.accepts, n);
    this.bytes = ensureCapacity(this.bytes, n);
    this.knownPort = ensureCapacity(this.knownPort, n);
    this.first = ensureCapacity(this.first, n);
    this.last = ensureCapacity(this.last, n);
  }
  reset(): void {
    const n = this.entities.size;
    for (const a of [this.records, this.accepts, this.bytes, this.knownPort]) a.fill(0, 0, n);
    this.entities.clear();
    this.peers.clear();
    this.evidence.clear();
  }
}

export class TorDetector implements Detector {
  readonly id = 'tor' as const;
  readonly name = 'tor';
  readonly keying = 'src' as const;
  private readonly windows: TumblingWindows<TorWindow>;
  private readonly torPort = new Uint8Array(65536);
  private readonly relayPorts = new Map<number, Set<number>>();

  constructor(private readonly ctx: EngineContext, private readonly cfg: TorConfig) {
    for (const p of cfg.torPorts) this.torPort[p] = 1;
    this.windows = new TumblingWindows(cfg.windowSec, () => new TorWindow(ctx.config.aggregation.maxEvidence), (w) => w.reset());
  }

  /** ORPorts the threat-intel source published for a relay, when it offers them. */
  private portsOf(ip: number): Set<number> {
    let s = this.relayPorts.get(ip);
    if (!s) {
      const ti = this.ctx.ti as { torRelayPorts?: (ip: string) => number[] };
      s = new Set(ti.torRelayPorts ? ti.torRelayPorts(this.ctx.ips.str(ip)) : []);
      if (this.relayPorts.size > 100_000) this.relayPorts.clear();
      this.relayPorts.set(ip, s);
    }
    return s;
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
      const sa = attrs[src] as number;
      const da = attrs[dst] as number;
      const srcLocal = (f & RowFlag.SRC_LOCAL) !== 0;
      const dstLocal = (f & RowFlag.DST_LOCAL) !== 0;
      let role = -1;
      if (!dstLocal && ((da & IpAttr.TOR_RELAY) !== 0 || (marks & (MARK_DST_TOR_RELAY | MARK_DST_TOR_EXIT)) !== 0)) role = ROLE_CLIENT;
      else if (!srcLocal && dstLocal && ((sa & IpAttr.TOR_EXIT) !== 0 || (marks & MARK_SRC_TOR_EXIT) !== 0)) role = ROLE_INBOUND;
      if (srcLocal && (sa & IpAttr.TOR_RELAY) !== 0) {
        // our own workload is a listed relay: report the workload once, whatever it talks to
        role = ROLE_RELAY;
      }
      if (role < 0) continue;
      const start = b.start[i] as number;
      const w = this.windows.at(start);
      const anchor = role === ROLE_INBOUND ? dst : 0;
      const e = w.entities.upsert(src, role, anchor);
      if (e < 0) {
        this.ctx.evicted(this.name);
        continue;
      }
      if (w.entities.added) {
        w.ensure(w.entities.size);
        w.first[e] = start;
        w.last[e] = b.end[i] as number;
      }
      w.peers.upsert(src, role, dst);
      w.records[e]++;
      if (f & RowFlag.ACCEPT) w.accepts[e]++;
      w.bytes[e] += Math.max(0, b.bytes[i] as number);
      const dport = b.dstPort[i] as number;
      if (role === ROLE_CLIENT && dport >= 0 && (this.portsOf(dst).has(dport) || this.torPort[dport] === 1)) w.knownPort[e] = 1;
      if (start < (w.first[e] as number)) w.first[e] = start;
      if ((b.end[i] as number) > (w.last[e] as number)) w.last[e] = b.end[i] as number;
      w.evidence.sample(e, p, i);
    }
  }

  advance(watermark: number, out: Candidate[]): void {
    this.windows.closeUpTo(watermark, (w, s, e) => this.close(w, s, e, out));
  }

  private close(w: TorWindow, start: number, end: number, out: Candidate[]): void {
    const ctx = this.ctx;
    const peers = new Map<number, string[]>();
    for (let q = 0; q < w.peers.size; q++) {
      const role = w.peers.key(q, 1);
      const e = w.entities.find(w.peers.key(q, 0), role, role === ROLE_INBOUND ? w.peers.key(q, 2) : 0);
      if (e < 0) continue;
      let l = peers.get(e);
      if (!l) peers.set(e, (l = []));
      if (l.length < ctx.config.aggregation.maxTargets) l.push(ctx.ips.str(w.peers.key(q, 2)));
    }
    for (let e = 0; e < w.entities.size; e++) {
      const role = w.entities.key(e, 1);
      const actor = ctx.ips.str(w.entities.key(e, 0));
      const records = w.records[e] as number;
      const accepts = w.accepts[e] as number;
      const targets = (peers.get(e) ?? []).sort();
      const blocked = accepts === 0;
      let severity = this.cfg.severity;
      let confidence = 0.9;
      let entity: string;
      let summary: string;
      if (role === ROLE_CLIENT) {
        confidence = (w.knownPort[e] as number) === 1 ? 0.9 : 0.6;
        entity = `client:${actor}`;
        summary = `${actor} connected to ${targets.length} Tor relay address(es)${blocked ? ' (all rejected)' : ''}: ${targets.slice(0, 5).join(', ')}`;
      } else if (role === ROLE_INBOUND) {
        severity = this.cfg.inboundSeverity;
        confidence = 0.8;
        entity = `inbound:${actor}>${targets[0] ?? ''}`;
        summary = `Tor exit ${actor} connected to ${targets.join(', ')}${blocked ? ' (all rejected)' : ''}`;
      } else {
        entity = `relay:${actor}`;
        summary = `${actor} is listed as a Tor relay and is active (${records} records in ${this.cfg.windowSec} s)`;
      }
      out.push({
        detector: this.id,
        entity,
        windowStart: start,
        windowEnd: end,
        firstSeen: w.first[e] as number,
        lastSeen: w.last[e] as number,
        severity: raiseSeverity(severity, blocked ? -1 : 0),
        confidence,
        score: confidence,
        magnitude: records,
        actor,
        targets: role === ROLE_RELAY ? [] : targets,
        ports: [],
        mitre: ['T1090.003'],
        summary,
        signals: [
          signal(role === ROLE_CLIENT ? 'torClient' : role === ROLE_INBOUND ? 'inboundFromExit' : 'listedRelay', 1),
          signal('records', records),
          signal('accepted', accepts),
          ...(role === ROLE_CLIENT ? [signal('knownTorPort', w.knownPort[e] as number, undefined, 'ORPort from the relay list or a usual Tor port')] : []),
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
    this.windows.forEachOpen((w) => (n += w.entities.size));
    return n;
  }
}
