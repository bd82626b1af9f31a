import { ipToInt, ipToString } from '../estate/address-table';
import type { Host } from '../estate/estate';
import { ACCEPT, Flags, REJECT, TCP } from '../output/flow-sink';
import { type AttackContext, type AttackDraft, hostAt, toInternet } from './attack';

const WINDOW = 60;

/** Ports scanners try first (nmap's top ports), then the rest of 1..10000 in random order. */
const TOP_PORTS = [21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1433, 1723, 3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200];

function scanPorts(ctx: AttackContext, count: number): number[] {
  const rest = [];
  for (let p = 1; p <= 10000; p++) if (!TOP_PORTS.includes(p)) rest.push(p);
  ctx.rng.shuffle(rest);
  return [...TOP_PORTS, ...rest].slice(0, count);
}

/** How many of `total` items spread over `windows` windows fall into the first `length` windows. */
export function reached(total: number, windows: number, length: number): number {
  return Math.floor((Math.min(length, windows) * total) / windows);
}

/** Spread `total` items evenly over `windows` windows: how many fall in window w. */
export function share(total: number, windows: number, w: number): number {
  return Math.floor(((w + 1) * total) / windows) - Math.floor((w * total) / windows);
}

/**
 * Vertical scan: one actor, one target, many ports. The target's security group
 * drops what it does not allow (REJECT, one ingress record); open ports answer.
 */
function verticalScan(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: number; actorHost?: Host; target: Host; ports: number;
    minutes: number; open: number[]; direction: AttackDraft['direction']; mitre: string[]; description: string;
  },
): AttackDraft {
  const ports = scanPorts(ctx, o.ports);
  const srcPort = 40000 + ctx.rng.int(20000);
  return {
    detector: 'port-scan', variant: o.variant, level: o.level, direction: o.direction, description: o.description,
    mitre: o.mitre, related: ['port-sweep', 'unusual-port', 'malicious-ip'],
    actor: o.actor, targets: [o.target.addr], ports, protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ distinctPorts: reached(ports.length, o.minutes, len), perMinute: +(o.ports / o.minutes).toFixed(2) }),
    emit(w, t0, sink, rng, c) {
      const n = share(ports.length, o.minutes, w);
      const from = Math.floor((w * ports.length) / o.minutes);
      for (let k = 0; k < n; k++) {
        const port = ports[from + k] as number;
        const s = t0 + Math.floor((k * WINDOW) / Math.max(1, n)) + rng.int(2);
        const open = o.open.includes(port);
        c.tcp(o.actor, o.target.addr, srcPort, port, s, s).sizes(1, 44, 1, open ? 44 : 40);
        c.on(o.actorHost ? o.actorHost.eni : -1, o.target.eni);
        c.reqFlags = Flags.SYN;
        c.respFlags = open ? Flags.SYN_ACK : Flags.RST;
        c.dstAction = open ? ACCEPT : REJECT;
        c.write(sink);
      }
    },
  };
}

/**
 * Horizontal sweep: one actor, one port, many hosts. Addresses with no ENI leave
 * only the actor's egress record, as in real VPC logs.
 */
function sweep(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: Host; targets: number[]; port: number; minutes: number;
    internet: boolean; mitre: string[]; description: string;
  },
): AttackDraft {
  const targets = o.targets;
  return {
    detector: 'port-sweep', variant: o.variant, level: o.level, direction: o.internet ? 'outbound' : 'internal',
    description: o.description, mitre: o.mitre, related: ['port-scan', 'unusual-port'],
    actor: o.actor.addr, targets, ports: [o.port], protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ distinctHosts: reached(targets.length, o.minutes, len), perMinute: +(targets.length / o.minutes).toFixed(2) }),
    emit(w, t0, sink, rng, c) {
      const n = share(targets.length, o.minutes, w);
      const from = Math.floor((w * targets.length) / o.minutes);
      for (let k = 0; k < n; k++) {
        const dst = targets[from + k] as number;
        const s = t0 + Math.floor((k * WINDOW) / Math.max(1, n));
        const h = hostAt(ctx.estate, dst);
        c.tcp(o.actor.addr, dst, rng.range(32768, 60999), o.port, s, s);
        c.reqFlags = Flags.SYN;
        c.respFlags = Flags.RST;
        if (o.internet) {
          toInternet(c, ctx.estate, o.actor);
          // a few internet hosts answer with RST, most never answer
          c.sizes(2, 120, rng.chance(0.1) ? 1 : 0, 40);
        } else {
          c.on(o.actor.eni, h ? h.eni : -1).sizes(1, 60, h ? 1 : 0, 40);
          c.dstAction = REJECT;
        }
        c.write(sink);
      }
    },
  };
}

export function portScanVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const bastion = ctx.one('bastion');
  return {
    'fast-inbound': () => verticalScan(ctx, {
      variant: 'fast-inbound', level: 'high', actor: ctx.external(), target: bastion, ports: 1000, minutes: 4,
      open: [22], direction: 'inbound', mitre: ['T1595.001', 'T1046'],
      description: 'internet scanner sweeps 1,000 TCP ports of the bastion in 4 minutes',
    }),
    internal: () => {
      const actor = ctx.compromisedHost(['app']);
      return verticalScan(ctx, {
        variant: 'internal', level: 'high', actor: actor.addr, actorHost: actor, target: ctx.one('db'), ports: 500,
        minutes: 5, open: [5432], direction: 'internal', mitre: ['T1046'],
        description: 'compromised app server scans 500 ports of the primary database in 5 minutes',
      });
    },
    slow: () => verticalScan(ctx, {
      variant: 'slow', level: 'low', actor: ctx.external(), target: bastion, ports: 120, minutes: 180, open: [22],
      direction: 'inbound', mitre: ['T1595.001'],
      description: 'slow scan: 120 ports of the bastion over 3 hours (one every 90 s)',
    }),
    low: () => {
      const actor = ctx.compromisedHost(['windows', 'worker']);
      return verticalScan(ctx, {
        variant: 'low', level: 'low', actor: actor.addr, actorHost: actor, target: ctx.role('app')[1] as Host,
        ports: 30, minutes: 10, open: [9000, 22], direction: 'internal', mitre: ['T1046'],
        description: 'low-volume internal scan: 30 ports of one app server over 10 minutes',
      });
    },
  };
}

export function portSweepVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const vpcBase = ipToInt(ctx.estate.opts.vpcCidr.split('/')[0] as string);
  const subnetHosts = (thirds: number[]) => {
    const out: number[] = [];
    for (const t of thirds) for (let i = 4; i < 255; i++) out.push(ctx.estate.addrs.intern(ipToString((vpcBase + t * 256 + i) >>> 0), 0));
    return out;
  };
  return {
    internal: () => sweep(ctx, {
      variant: 'internal', level: 'high', actor: ctx.compromisedHost(['web']), targets: subnetHosts([10, 11]), port: 22,
      minutes: 3, internet: false, mitre: ['T1046'],
      description: 'compromised web server probes SSH on every address of both app subnets (502 hosts) in 3 minutes',
    }),
    outbound: () => sweep(ctx, {
      variant: 'outbound', level: 'high', actor: ctx.compromisedHost(['worker']), targets: ctx.externals(3000), port: 445,
      minutes: 10, internet: true, mitre: ['T1046'],
      description: 'compromised worker sweeps 3,000 internet addresses on SMB 445 in 10 minutes (worm-like)',
    }),
    slow: () => {
      const hosts = ctx.rng.shuffle(subnetHosts([10, 11, 30])).slice(0, 60);
      return sweep(ctx, {
        variant: 'slow', level: 'low', actor: ctx.compromisedHost(['app']), targets: hosts, port: 3389, minutes: 120,
        internet: false, mitre: ['T1046'],
        description: 'slow internal sweep: RDP on 60 addresses over 2 hours (one every 2 minutes)',
      });
    },
  };
}
