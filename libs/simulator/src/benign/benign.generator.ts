import type { Estate, Host } from '../estate/estate';
import { ConnectionWriter } from '../output/connection.writer';
import { ACCEPT, Flags, type FlowSink, NODATA, REJECT, UDP } from '../output/flow-sink';
import { Prng } from '../random/prng';

export const WINDOW = 60;

/** Ports internet background scanners knock on (from the CTU honeypot captures' most hit ports). */
const NOISE_PORTS = [23, 22, 445, 3389, 80, 8080, 1433, 5555, 5060, 81, 2323, 6379, 5900, 443, 8443, 3306, 9200, 37215, 52869, 7547];

/** Unix day 0 (1970-01-01) was a Thursday: (day + 4) % 7 === 0 is a Sunday. */
const isSunday = (t: number) => (Math.floor(t / 86400) + 4) % 7 === 0;

/**
 * `hour`:00 UTC of the run's last day, when the run is longer than a day and that time is after its
 * first day; else Infinity. The events of multi-day runs happen then, so a run of one day or less
 * never contains them and its traffic does not depend on them.
 */
export function lastDayTime(startTime: number, windows: number, hour: number): number {
  const end = startTime + windows * WINDOW;
  const at = Math.floor((end - 1) / 86400) * 86400 + hour * 3600;
  return end - startTime > 86400 && at >= startTime + 86400 && at < end ? at : Infinity;
}

/** The web tier scales out onto the first spare ENI at 12:00 UTC of the last day (the afternoon peak). */
export const scaleOutTime = (startTime: number, windows: number) => lastDayTime(startTime, windows, 12);
/** A release switches tracing on at 09:00 UTC of the last day: a collector on the second spare ENI. */
export const releaseTime = (startTime: number, windows: number) => lastDayTime(startTime, windows, 9);
/** OTLP over gRPC */
const OTLP_PORT = 4317;

/** Relative weights of the load-driven connection kinds (per connection, not per record). */
const MIX = { web: 45, api: 15, db: 14, cache: 8, saas: 8, aws: 6, windows: 2, worker: 1 } as const;
type MixKind = keyof typeof MIX;
const MIX_KINDS = Object.keys(MIX) as MixKind[];
const MIX_TOTAL = MIX_KINDS.reduce((s, k) => s + MIX[k], 0);

/**
 * Diurnal load shape over UTC hours: lowest around 03:00 (0.3), highest around 15:00 (1.0).
 * The benign record budget of each window is split in proportion to this.
 */
export function diurnalWeight(unixSeconds: number): number {
  const h = ((unixSeconds % 86400) + 86400) % 86400 / 3600;
  return 0.3 + 0.7 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (h - 3)) / 24));
}

/**
 * Benign traffic of the estate. Two parts:
 * - fixed-rate traffic that does not follow load (LB health checks, monitoring agents,
 *   DB replication, admin sessions, configuration management over SSH, the nightly S3
 *   backup, NODATA rows of idle ENIs, and internet background probes, which are REJECTed), and
 * - load-driven traffic (web requests, API, DB, cache, SaaS and AWS API calls) that
 *   fills exactly the record quota it is given for each window.
 * Several fixed-rate parts are deliberate hard negatives for the detectors
 * (periodic health checks and agents for beaconing, replication for long-connection,
 * the S3 backup for exfiltration, background probes for scan detectors).
 */
export class BenignTraffic {
  /** background-probe sources: "noise", neither attack nor benign in the evaluation */
  readonly noisePool: number[];
  readonly noiseUsed = new Set<number>();
  private periodicRng!: Prng;
  private loadRng!: Prng;
  private readonly conn = new ConnectionWriter();
  private readonly lbs: Host[];
  private readonly webs: Host[];
  private readonly apps: Host[];
  private readonly dbs: Host[];
  private readonly cache: Host;
  private readonly nat: Host;
  private readonly bastion: Host;
  private readonly windows: Host[];
  private readonly workers: Host[];
  private readonly publicFacing: Host[];
  private readonly monitored: Host[];
  /** the spare ENI a new web server takes at scaleOutAt (Infinity: never), and the tiers with it */
  private readonly scaled: Host | undefined;
  private readonly scaleOutAt: number;
  private readonly websScaled: Host[];
  private readonly monitoredScaled: Host[];
  /** the spare ENI the tracing collector takes at releaseAt (Infinity: never) */
  private readonly collector: Host | undefined;
  private readonly releaseAt: number;

  constructor(private readonly estate: Estate, private readonly seed: string, windows: number, startTime = 0) {
    const r = (role: Parameters<Estate['role']>[0]) => estate.role(role);
    this.lbs = r('lb');
    this.webs = r('web');
    this.apps = r('app');
    this.dbs = r('db');
    this.cache = r('cache')[0] as Host;
    this.nat = r('nat')[0] as Host;
    this.bastion = r('bastion')[0] as Host;
    this.windows = r('windows');
    this.workers = r('worker');
    this.publicFacing = [...this.lbs, this.bastion, this.nat];
    this.monitored = estate.instances;
    this.scaled = r('idle')[0];
    this.scaleOutAt = this.scaled ? scaleOutTime(startTime, windows) : Infinity;
    this.websScaled = this.scaled ? [...this.webs, this.scaled] : this.webs;
    this.monitoredScaled = this.scaled ? [...this.monitored, this.scaled] : this.monitored;
    this.collector = r('idle')[1];
    this.releaseAt = this.collector ? releaseTime(startTime, windows) : Infinity;
    // ~1.5 probes per public ENI per window; a pool sized so most sources knock 1-3 times.
    const expectedProbes = windows * this.publicFacing.length * 1.5;
    this.noisePool = estate.alloc.many(new Prng(`${seed}:noise-pool`), Math.max(50, Math.ceil(expectedProbes / 1.6)));
    this.reset();
  }

  /** Restart the random streams: a counting pass and the writing pass must see identical traffic. */
  reset(): void {
    this.periodicRng = new Prng(`${this.seed}:benign:periodic`);
    this.loadRng = new Prng(`${this.seed}:benign:load`);
    this.noiseUsed.clear();
  }

  /** Fixed-rate traffic of one window; returns the number of records written. */
  periodic(t0: number, sink: FlowSink): number {
    const rng = this.periodicRng;
    const c = this.conn;
    let n = 0;
    const scaledOut = t0 >= this.scaleOutAt;
    // ALB health checks: every 30 s from each LB node's private IP to each target, new source port each time.
    for (const lb of this.lbs) {
      for (const web of scaledOut ? this.websScaled : this.webs) {
        for (let k = 0; k < 2; k++) {
          const s = t0 + k * 30 + (web.addr % 7);
          c.tcp(lb.addr, web.addr, rng.range(32768, 60999), 8080, s, s).on(lb.eni, web.eni).sizes(5, 420, 4, 380);
          n += c.write(sink);
        }
      }
    }
    // Monitoring agent on every instance: one HTTPS post per minute to the vendor, through NAT.
    for (const h of scaledOut ? this.monitoredScaled : this.monitored) {
      const s = t0 + (h.addr % 60);
      const dst = this.estate.monitoring[h.addr % this.estate.monitoring.length] as number;
      this.outbound(h, dst, 443, s, s + 1, 9, rng.range(1800, 2600), 7, rng.range(700, 900), rng);
      n += c.write(sink);
    }
    // Configuration management (Ansible-style) from the bastion every 30 minutes: one SSH session
    // per app server within two minutes, moving modules (60-300 KB). Looks like SSH spraying to a
    // detector that counts connections without looking at their size.
    const slot = Math.floor((t0 % 1800) / WINDOW);
    if (slot < 2) {
      this.apps.forEach((app, k) => {
        if (k % 2 !== slot) return;
        const s = t0 + ((k * 5) % 55);
        c.tcp(this.bastion.addr, app.addr, rng.range(32768, 60999), 22, s, Math.min(t0 + WINDOW - 1, s + rng.range(5, 30)))
          .on(this.bastion.eni, app.eni).sizes(rng.range(60, 240), rng.range(60_000, 300_000), rng.range(50, 200), rng.range(20_000, 80_000));
        n += c.write(sink);
      });
    }
    // Windows time sync every 15 minutes.
    if ((t0 / WINDOW) % 15 === 0) {
      for (const w of this.windows) {
        this.outbound(w, this.estate.ntp[0] as number, 123, t0 + 5, t0 + 5, 1, 76, 1, 76, rng);
        c.protocol = UDP;
        c.reqFlags = 0;
        c.respFlags = 0;
        n += c.write(sink);
      }
    }
    // Postgres streaming replication: one long-lived internal connection, a record per window each way.
    const [primary, replica] = this.dbs;
    if (primary && replica) {
      c.tcp(replica.addr, primary.addr, 41822, 5432, t0, t0 + WINDOW - 1).on(replica.eni, primary.eni)
        .sizes(rng.range(60, 90), rng.range(5000, 8000), rng.range(80, 400), rng.range(200_000, 2_000_000));
      c.reqFlags = 0;
      c.respFlags = 0;
      n += c.write(sink);
    }
    // Admin SSH sessions from the corporate VPN to the bastion, 09:00-10:30 and 14:00-15:00 UTC.
    const minute = Math.floor((t0 % 86400) / 60);
    if ((minute >= 540 && minute < 630) || (minute >= 840 && minute < 900)) {
      const corp = this.estate.corp[minute < 630 ? 0 : 1] as number;
      c.tcp(corp, this.bastion.addr, minute < 630 ? 51514 : 62011, 22, t0, t0 + WINDOW - 1).on(-1, this.bastion.eni)
        .sizes(rng.range(20, 200), rng.range(2000, 30000), rng.range(20, 200), rng.range(3000, 90000));
      c.reqFlags = minute === 540 || minute === 840 ? Flags.SYN : 0;
      c.respFlags = minute === 540 || minute === 840 ? Flags.SYN_ACK : 0;
      n += c.write(sink);
    }
    // Nightly backup of every worker to S3 (gateway endpoint), 02:00-02:40 UTC: ~500 MB/min each.
    if (minute >= 120 && minute < 160) {
      for (const w of this.workers) {
        for (let k = 0; k < 4; k++) {
          const s3 = this.estate.s3[(w.addr + k) % this.estate.s3.length] as number;
          c.tcp(w.addr, s3, 40000 + k * 7 + (w.addr % 5), 443, t0, t0 + WINDOW - 1).on(w.eni, -1)
            .sizes(rng.range(90_000, 110_000), rng.range(110_000_000, 140_000_000), rng.range(20_000, 30_000), rng.range(1_000_000, 1_400_000));
          c.reqFlags = minute === 120 ? Flags.SYN : minute === 159 ? Flags.FIN : 0;
          c.respFlags = minute === 120 ? Flags.SYN_ACK : minute === 159 ? Flags.FIN : 0;
          n += c.write(sink);
        }
      }
    }
    // Weekly package-mirror sync: every Sunday 04:00-04:10 UTC each batch worker pulls updates over
    // rsync (TCP 873), a port it uses on no other day. A learning period shorter than a week would
    // call it unusual every Sunday; a week of history contains it.
    if (minute >= 240 && minute < 250 && isSunday(t0)) {
      for (const w of this.workers) {
        const mirror = this.estate.updates[w.addr % this.estate.updates.length] as number;
        this.outbound(w, mirror, 873, t0, t0 + WINDOW - 1, rng.range(300, 600), rng.range(20_000, 40_000), rng.range(1500, 3000), rng.range(2_000_000, 4_000_000), rng);
        c.srcPort = 40873 + (w.addr % 64);
        c.reqFlags = minute === 240 ? Flags.SYN : minute === 249 ? Flags.FIN : 0;
        c.respFlags = minute === 240 ? Flags.SYN_ACK : minute === 249 ? Flags.FIN : 0;
        n += c.write(sink);
      }
    }
    // A release switches tracing on (multi-day runs, 09:00 UTC of the last day): every app server keeps
    // a gRPC connection to an OpenTelemetry collector on the second spare ENI, rolled out one server
    // every 15 s. A new internal service, so a new remote port for 20 hosts within five minutes.
    const released = t0 + WINDOW > this.releaseAt;
    if (released && this.collector) {
      const col = this.collector;
      this.apps.forEach((app, k) => {
        const s = this.releaseAt + k * 15;
        if (s >= t0 + WINDOW) return;
        const first = s >= t0;
        c.tcp(app.addr, col.addr, 47000 + k, OTLP_PORT, first ? s : t0, t0 + WINDOW - 1).on(app.eni, col.eni)
          .sizes(rng.range(20, 60), rng.range(20_000, 80_000), rng.range(10, 40), rng.range(600, 2400));
        c.reqFlags = first ? Flags.SYN : 0;
        c.respFlags = first ? Flags.SYN_ACK : 0;
        n += c.write(sink);
      });
    }
    // Idle ENIs report NODATA (until a web server scales out, or the collector starts, on one).
    for (const h of this.estate.role('idle')) {
      if ((scaledOut && h === this.scaled) || (released && h === this.collector && t0 >= this.releaseAt)) continue;
      sink.status(h.eni, t0, t0 + WINDOW - 1, NODATA);
      n++;
    }
    // Internet background probes against public-facing ENIs: dropped by security groups, except
    // the LB's open 443, where the probe is answered like any client.
    for (const h of this.publicFacing) {
      const probes = rng.poisson(1.5);
      for (let k = 0; k < probes; k++) {
        const src = this.noisePool[rng.int(this.noisePool.length)] as number;
        this.noiseUsed.add(src);
        const port = rng.chance(0.8) ? rng.pick(NOISE_PORTS) : rng.range(1, 65535);
        const s = t0 + rng.int(WINDOW);
        const open = h.role === 'lb' && port === 443;
        c.tcp(src, h.addr, rng.range(1024, 65535), port, s, s).on(-1, h.eni).sizes(1, 44, open ? 1 : 0, open ? 44 : 0);
        c.reqFlags = Flags.SYN;
        c.respFlags = Flags.SYN_ACK;
        c.dstAction = open ? ACCEPT : REJECT;
        n += c.write(sink);
      }
    }
    return n;
  }

  /** Load-driven traffic: writes exactly `quota` records in the window starting at t0. */
  load(t0: number, quota: number, sink: FlowSink): number {
    const rng = this.loadRng;
    let left = quota;
    while (left > 0) {
      let pick = rng.int(MIX_TOTAL);
      let kind: MixKind = 'web';
      for (const k of MIX_KINDS) {
        pick -= MIX[k];
        if (pick < 0) {
          kind = k;
          break;
        }
      }
      left -= this.connection(kind, t0, sink, left, rng);
    }
    return quota;
  }

  private connection(kind: MixKind, t0: number, sink: FlowSink, limit: number, rng: Prng): number {
    const c = this.conn;
    const s = t0 + rng.int(WINDOW);
    const e = Math.min(t0 + WINDOW - 1, s + rng.int(4));
    const e2 = this.estate;
    switch (kind) {
      case 'web': {
        // Popular clients come back often: a cubic skew over the client pool.
        const client = e2.clients[Math.floor(e2.clients.length * rng.next() ** 3)] as number;
        const lb = this.lbs[rng.int(this.lbs.length)] as Host;
        const webs = t0 >= this.scaleOutAt ? this.websScaled : this.webs;
        const resp = Math.round(rng.logNormal(18000, 1.1));
        c.tcp(client, lb.addr, rng.range(1024, 65535), 443, s, e).on(-1, lb.eni)
          .sizes(rng.range(6, 14), rng.range(900, 2600), 2 + Math.ceil(resp / 1400), resp);
        let n = c.write(sink, limit);
        if (n < limit && rng.chance(0.3)) {
          const web = webs[rng.int(webs.length)] as Host;
          const wr = Math.round(rng.logNormal(15000, 1.1));
          c.tcp(lb.addr, web.addr, rng.range(32768, 60999), 8080, s, e).on(lb.eni, web.eni)
            .sizes(rng.range(5, 12), rng.range(800, 2400), 2 + Math.ceil(wr / 1400), wr);
          n += c.write(sink, limit - n);
        }
        return n;
      }
      case 'api': {
        const webs = t0 >= this.scaleOutAt ? this.websScaled : this.webs;
        const web = webs[rng.int(webs.length)] as Host;
        const app = this.apps[rng.int(this.apps.length)] as Host;
        const resp = Math.round(rng.logNormal(6000, 1));
        c.tcp(web.addr, app.addr, rng.range(32768, 60999), 9000, s, e).on(web.eni, app.eni)
          .sizes(rng.range(4, 10), rng.range(500, 3000), 2 + Math.ceil(resp / 1400), resp);
        return c.write(sink, limit);
      }
      case 'db': {
        const app = this.apps[rng.int(this.apps.length)] as Host;
        const db = this.dbs[rng.chance(0.8) ? 0 : 1] as Host;
        const resp = Math.round(rng.logNormal(9000, 1.4));
        c.tcp(app.addr, db.addr, rng.range(32768, 60999), 5432, s, e).on(app.eni, db.eni)
          .sizes(rng.range(6, 20), rng.range(700, 4000), 2 + Math.ceil(resp / 1400), resp);
        return c.write(sink, limit);
      }
      case 'cache': {
        const app = this.apps[rng.int(this.apps.length)] as Host;
        c.tcp(app.addr, this.cache.addr, rng.range(32768, 60999), 6379, s, e).on(app.eni, this.cache.eni)
          .sizes(rng.range(3, 8), rng.range(200, 900), rng.range(3, 8), rng.range(200, 4000));
        return c.write(sink, limit);
      }
      case 'saas': {
        const app = this.apps[rng.int(this.apps.length)] as Host;
        const dst = e2.saas[Math.floor(e2.saas.length * rng.next() ** 2)] as number;
        const resp = Math.round(rng.logNormal(4000, 1));
        this.outbound(app, dst, 443, s, e, rng.range(6, 14), rng.range(900, 4000), 2 + Math.ceil(resp / 1400), resp, rng);
        return c.write(sink, limit);
      }
      case 'aws': {
        const app = this.apps[rng.int(this.apps.length)] as Host;
        const s3 = rng.chance(0.6);
        const dst = (s3 ? e2.s3[rng.int(e2.s3.length)] : e2.dynamodb[rng.int(e2.dynamodb.length)]) as number;
        const up = Math.round(rng.logNormal(s3 ? 40000 : 1500, 1.2));
        c.tcp(app.addr, dst, rng.range(32768, 60999), 443, s, e).on(app.eni, -1)
          .sizes(2 + Math.ceil(up / 1400), up, rng.range(4, 10), rng.range(600, 3000));
        return c.write(sink, limit);
      }
      case 'windows': {
        const w = this.windows[rng.int(this.windows.length)] as Host;
        const resp = Math.round(rng.logNormal(60000, 1.5));
        this.outbound(w, e2.updates[rng.int(e2.updates.length)] as number, 443, s, e, rng.range(8, 20), rng.range(1200, 5000), 2 + Math.ceil(resp / 1400), resp, rng);
        c.srcPort = rng.range(49152, 65535);
        return c.write(sink, limit);
      }
      case 'worker': {
        const w = this.workers[rng.int(this.workers.length)] as Host;
        const resp = Math.round(rng.logNormal(30000, 1.2));
        this.outbound(w, e2.saas[rng.int(e2.saas.length)] as number, 443, s, e, rng.range(6, 16), rng.range(900, 3000), 2 + Math.ceil(resp / 1400), resp, rng);
        return c.write(sink, limit);
      }
    }
    return 0;
  }

  /** An instance reaching an internet address: through the NAT gateway unless it sits in a public subnet. */
  private outbound(h: Host, dst: number, port: number, s: number, e: number, rp: number, rb: number, sp: number, sb: number, rng: Prng): void {
    const c = this.conn;
    c.tcp(h.addr, dst, rng.range(32768, 60999), port, s, e).on(h.eni, -1).sizes(rp, rb, sp, sb);
    if (h.role !== 'bastion') {
      c.natEni = this.nat.eni;
      c.natAddr = this.nat.addr;
    }
  }
}

