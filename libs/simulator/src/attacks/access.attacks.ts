import type { Host } from '../estate/estate';
import { TCP } from '../output/flow-sink';
import { type AttackContext, type AttackDraft, toInternet } from './attack';
import { emitLongSession } from './c2.attacks';
import { reached, share } from './scan.attacks';

const WINDOW = 60;

/**
 * Password guessing: every attempt is a new short TCP connection (new source port)
 * that completes the handshake and exchanges a few KB before the server closes it.
 */
function bruteForce(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; direction: AttackDraft['direction']; actor: number;
    actorHost?: Host; targets: number[]; targetHost?: Host; port: number; attempts: number; minutes: number;
    mitre: string[]; description: string;
  },
): AttackDraft {
  return {
    detector: 'brute-force', variant: o.variant, level: o.level, direction: o.direction, description: o.description,
    // attempts come at an even pace, so a beacon detector may legitimately see them; a workload of ours
    // guessing passwords uses a remote port it may never have used (unusual-port)
    mitre: o.mitre, related: o.direction === 'inbound' ? ['beaconing', 'strobe'] : ['beaconing', 'strobe', 'unusual-port'], actor: o.actor, targets: o.targets, ports: [o.port],
    protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ attempts: reached(o.attempts, o.minutes, len), perMinute: +(o.attempts / o.minutes).toFixed(2) }),
    emit(w, t0, sink, rng, c) {
      const n = share(o.attempts, o.minutes, w);
      for (let k = 0; k < n; k++) {
        const s = t0 + Math.floor((k * WINDOW) / Math.max(1, n)) + rng.int(2);
        const dst = o.targets[(w * 7 + k) % o.targets.length] as number;
        const sp = o.actorHost ? rng.range(32768, 60999) : rng.range(1024, 65535);
        c.tcp(o.actor, dst, sp, o.port, s, Math.min(t0 + WINDOW - 1, s + rng.range(1, 4)));
        if (o.actorHost) toInternet(c, ctx.estate, o.actorHost);
        else c.on(-1, (o.targetHost as Host).eni);
        c.sizes(rng.range(12, 22), rng.range(2200, 3400), rng.range(12, 20), rng.range(2800, 4200));
        c.write(sink);
      }
    },
  };
}

export function bruteForceVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const bastion = ctx.one('bastion');
  const win = ctx.role('windows')[0] as Host;
  return {
    'ssh-inbound': () => bruteForce(ctx, {
      variant: 'ssh-inbound', level: 'high', direction: 'inbound', actor: ctx.external(), targets: [bastion.addr],
      targetHost: bastion, port: 22, attempts: 600, minutes: 30, mitre: ['T1110.001'],
      description: 'SSH password guessing against the bastion: 600 attempts in 30 minutes',
    }),
    'rdp-inbound': () => bruteForce(ctx, {
      variant: 'rdp-inbound', level: 'high', direction: 'inbound', actor: ctx.external(), targets: [win.addr],
      targetHost: win, port: 3389, attempts: 300, minutes: 20, mitre: ['T1110.001', 'T1133'],
      description: 'RDP password guessing against an exposed Windows host: 300 attempts in 20 minutes',
    }),
    'ssh-outbound': () => {
      const actor = ctx.compromisedHost(['app', 'worker']);
      return bruteForce(ctx, {
        variant: 'ssh-outbound', level: 'high', direction: 'outbound', actor: actor.addr, actorHost: actor,
        targets: ctx.externals(5), port: 22, attempts: 400, minutes: 60, mitre: ['T1110.003'],
        description: 'compromised instance brute-forces SSH on five internet hosts: 400 attempts in 1 hour',
      });
    },
    'slow-ssh': () => bruteForce(ctx, {
      variant: 'slow-ssh', level: 'low', direction: 'inbound', actor: ctx.external(), targets: [bastion.addr],
      targetHost: bastion, port: 22, attempts: 120, minutes: 240, mitre: ['T1110.001'],
      description: 'slow SSH guessing: one attempt every 2 minutes for 4 hours',
    }),
  };
}

function exfil(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: Host; remote: number; port: number; totalBytes: number;
    minutes: number; streams: number; mitre: string[]; description: string;
  },
): AttackDraft {
  const basePort = 32768 + ctx.rng.int(20000);
  return {
    detector: 'exfiltration', variant: o.variant, level: o.level, direction: 'outbound', description: o.description,
    mitre: o.mitre, related: ['long-connection', 'unusual-port'], actor: o.actor.addr, targets: [o.remote], ports: [o.port],
    protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ totalBytes: Math.round((o.totalBytes * len) / o.minutes), bytesPerMinute: Math.round(o.totalBytes / o.minutes) }),
    emit(w, t0, sink, rng, c, len) {
      const perStream = o.totalBytes / o.minutes / o.streams;
      for (let k = 0; k < o.streams; k++) {
        const b = Math.round(perStream * (0.85 + 0.3 * rng.next()));
        c.tcp(o.actor.addr, o.remote, basePort + k, o.port, t0, t0 + WINDOW - 1);
        toInternet(c, ctx.estate, o.actor).sizes(2 + Math.ceil(b / 1400), b, 2 + Math.ceil(b / 2800), Math.max(120, Math.round(b / 40)));
        emitLongSession(c, sink, w, len, t0);
      }
    },
  };
}

export function exfiltrationVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  return {
    burst: () => exfil(ctx, {
      variant: 'burst', level: 'high', actor: ctx.role('db')[1] as Host,
      remote: ctx.external(), port: 443, totalBytes: 5e9, minutes: 30, streams: 4, mitre: ['T1048', 'T1041'],
      description: 'database replica uploads 5 GB to an unknown internet host over HTTPS in 30 minutes',
    }),
    slow: () => exfil(ctx, {
      variant: 'slow', level: 'low', actor: ctx.compromisedHost(['app']), remote: ctx.external(), port: 443,
      totalBytes: 1.5e9, minutes: 600, streams: 1, mitre: ['T1030', 'T1048'],
      description: 'low-and-slow exfiltration: 150 MB per hour to one internet host for 10 hours',
    }),
    'scp-night': () => exfil(ctx, {
      variant: 'scp-night', level: 'medium', actor: ctx.compromisedHost(['worker']), remote: ctx.external(), port: 22,
      totalBytes: 2e9, minutes: 60, streams: 1, mitre: ['T1048'],
      description: 'worker copies 2 GB over SCP to an internet host in one hour',
    }),
  };
}
