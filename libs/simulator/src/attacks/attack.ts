import type { Estate, Host, HostRole } from '../estate/estate';
import { ConnectionWriter } from '../output/connection.writer';
import type { FlowSink } from '../output/flow-sink';
import { Prng } from '../random/prng';
import type { DetectorName, GroundTruthEntry, IntensityLevel, RelatedDetector } from '../truth/ground-truth';

/**
 * What an attack variant builds at plan time: who, against whom, for how long,
 * and a function that writes its records for one window. Addresses are ids in
 * the estate's address table.
 */
export interface AttackDraft {
  detector: DetectorName;
  variant: string;
  level: IntensityLevel;
  direction: GroundTruthEntry['direction'];
  description: string;
  mitre: string[];
  related: RelatedDetector[];
  actor: number | null;
  actors?: number[];
  targets: number[];
  ports: number[];
  protocol: number;
  /** nominal length in 60 s windows (shortened when the run is shorter) */
  windows: number;
  /** labeled figures; a function when they depend on the realized length (runs shorter than the attack) */
  intensity: Record<string, number | string> | ((length: number) => Record<string, number | string>);
  /**
   * Write the records of window `w` (0 = first window of the attack) starting at Unix second `t0`;
   * `length` is the realized number of windows (at most `windows`).
   */
  emit(w: number, t0: number, sink: FlowSink, rng: Prng, c: ConnectionWriter, length: number): void;
}

/** Plan-time helpers shared by the variant builders. */
export class AttackContext {
  private readonly compromised: Host[];
  private nextCompromised = 0;

  constructor(readonly estate: Estate, public rng: Prng) {
    // Each internal-actor attack gets its own compromised host while there are hosts
    // left, so evaluation can attribute anomalies without ambiguity.
    const roles: HostRole[] = ['app', 'worker', 'web', 'windows'];
    this.compromised = rng.shuffle(estate.hosts.filter((h) => roles.includes(h.role)));
  }

  /** A compromised internal host, preferring the given roles. */
  compromisedHost(prefer: HostRole[] = []): Host {
    const free = this.compromised.slice(this.nextCompromised);
    const idx = free.findIndex((h) => prefer.includes(h.role));
    const host = (idx >= 0 ? free[idx] : free[0]) ?? (this.rng.pick(this.compromised) as Host);
    const at = this.compromised.indexOf(host);
    if (at >= this.nextCompromised) {
      // move the chosen host into the "used" prefix
      this.compromised.splice(at, 1);
      this.compromised.splice(this.nextCompromised, 0, host);
      this.nextCompromised++;
    }
    return host;
  }

  role(role: HostRole): Host[] {
    return this.estate.role(role);
  }

  one(role: HostRole): Host {
    return this.estate.role(role)[0] as Host;
  }

  external(): number {
    return this.estate.alloc.next(this.rng);
  }

  externals(n: number): number[] {
    return this.estate.alloc.many(this.rng, n);
  }

  intelAddr(list: keyof Estate['intel'], i: number): number {
    const ips = this.estate.intel[list];
    return this.estate.addrs.intern(ips[i % ips.length] as string);
  }
}

/** Route a connection from an internal host to the internet: via NAT unless the host is public-facing. */
export function toInternet(c: ConnectionWriter, estate: Estate, h: Host): ConnectionWriter {
  c.on(h.eni, -1);
  if (h.role !== 'bastion' && h.role !== 'lb') {
    const nat = estate.role('nat')[0] as Host;
    c.natEni = nat.eni;
    c.natAddr = nat.addr;
  }
  return c;
}

/** Host by address id, when the address is an estate host (for ENI lookups of targets). */
export function hostAt(estate: Estate, addr: number): Host | undefined {
  return estate.hosts.find((h) => h.addr === addr);
}

/**
 * A scheduled attack: a draft placed on the timeline, with its own random stream
 * and a tally of what it wrote, from which its ground-truth line is made.
 */
export class ScheduledAttack {
  records = 0;
  first = Number.MAX_SAFE_INTEGER;
  last = 0;
  private rng!: Prng;
  private readonly conn = new ConnectionWriter();
  private readonly tally: TimeTally;

  constructor(
    readonly id: string,
    readonly draft: AttackDraft,
    readonly startWindow: number,
    readonly windowCount: number,
    private readonly seed: string,
  ) {
    this.tally = new TimeTally(this);
    this.reset();
  }

  reset(): void {
    this.rng = new Prng(`${this.seed}:attack:${this.id}`);
    this.records = 0;
    this.first = Number.MAX_SAFE_INTEGER;
    this.last = 0;
  }

  /** Write this attack's records for absolute window `w` (no-op outside its span). */
  window(w: number, t0: number, sink: FlowSink): number {
    const rel = w - this.startWindow;
    if (rel < 0 || rel >= this.windowCount) return 0;
    const before = this.records;
    this.tally.inner = sink;
    this.draft.emit(rel, t0, this.tally, this.rng, this.conn, this.windowCount);
    return this.records - before;
  }

  truth(estate: Estate): GroundTruthEntry {
    const d = this.draft;
    const ip = (a: number) => estate.ip(a);
    const entry: GroundTruthEntry = {
      id: this.id,
      kind: 'attack',
      detector: d.detector,
      variant: d.variant,
      direction: d.direction,
      actor: d.actor === null ? null : ip(d.actor),
      targets: d.targets.map(ip),
      ports: [...d.ports],
      protocol: d.protocol,
      start: this.records ? this.first : 0,
      end: this.records ? this.last : 0,
      intensity: {
        level: d.level,
        minutes: this.windowCount,
        ...(typeof d.intensity === 'function' ? d.intensity(this.windowCount) : d.intensity),
      },
      mitre: [...d.mitre],
      related: [...d.related],
      records: this.records,
      description: d.description,
    };
    if (d.actors) entry.actors = d.actors.map(ip);
    return entry;
  }
}

class TimeTally implements FlowSink {
  inner!: FlowSink;
  constructor(private readonly owner: ScheduledAttack) {}
  flow(
    eni: number, src: number, dst: number, sp: number, dp: number, proto: number, pk: number, by: number,
    start: number, end: number, action: number, flags: number, dir: number, pktSrc: number, pktDst: number,
  ): void {
    const o = this.owner;
    o.records++;
    if (start < o.first) o.first = start;
    if (end > o.last) o.last = end;
    this.inner.flow(eni, src, dst, sp, dp, proto, pk, by, start, end, action, flags, dir, pktSrc, pktDst);
  }
  status(eni: number, start: number, end: number, logStatus: number): void {
    this.owner.records++;
    this.inner.status(eni, start, end, logStatus);
  }
}
