import type { Host } from '../estate/estate';
import type { ConnectionWriter } from '../output/connection.writer';
import { Flags, type FlowSink, TCP } from '../output/flow-sink';
import type { Prng } from '../random/prng';
import { type AttackContext, type AttackDraft, toInternet } from './attack';

const WINDOW = 60;

/**
 * Beat times (seconds from the attack start) for a beacon with the given period,
 * relative jitter and probability of a missed beat. Fixed at plan time so every
 * pass over the timeline writes the same beats.
 */
export function beatOffsets(rng: Prng, periodS: number, jitter: number, missed: number, windows: number): number[] {
  const out: number[] = [];
  const limit = windows * WINDOW;
  for (let t = rng.int(periodS); t < limit; t += periodS * (1 + jitter * (2 * rng.next() - 1))) {
    if (!rng.chance(missed)) out.push(Math.floor(t));
  }
  return out;
}

/** Emit the beats that fall into window `w` (attack-relative) as short connections. */
function emitBeats(
  beats: number[], w: number, t0: number, write: (s: number, c: ConnectionWriter, rng: Prng) => void, rng: Prng,
  c: ConnectionWriter,
): void {
  const from = w * WINDOW;
  const base = t0 - from;
  // beats are sorted: binary search the first one in this window
  let lo = 0;
  let hi = beats.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((beats[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < beats.length && (beats[i] as number) < from + WINDOW; i++) write(base + (beats[i] as number), c, rng);
}

/** A session that lasts the whole attack: one record per window each way on one 5-tuple. */
export function emitLongSession(
  c: ConnectionWriter, sink: FlowSink, w: number, windows: number, t0: number,
): void {
  c.start = t0;
  c.end = t0 + WINDOW - 1;
  c.reqFlags = w === 0 ? Flags.SYN : w === windows - 1 ? Flags.FIN : 0;
  c.respFlags = w === 0 ? Flags.SYN_ACK : w === windows - 1 ? Flags.FIN : 0;
  c.write(sink);
}

function beacon(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: Host; c2: number; port: number; periodS: number;
    jitter: number; missed: number; minutes: number; mitre: string[]; description: string; reqBytes: number; respBytes: number;
  },
): AttackDraft {
  const beats = beatOffsets(ctx.rng, o.periodS, o.jitter, o.missed, o.minutes);
  return {
    detector: 'beaconing', variant: o.variant, level: o.level, direction: 'outbound', description: o.description,
    mitre: o.mitre, related: ['unusual-port', 'long-connection', 'malicious-ip', 'strobe'], actor: o.actor.addr, targets: [o.c2],
    ports: [o.port], protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ periodSeconds: o.periodS, jitter: o.jitter, missedBeats: o.missed, beats: beats.filter((b) => b < len * WINDOW).length }),
    emit(w, t0, sink, rng, c) {
      emitBeats(beats, w, t0, (s, cw, r) => {
        cw.tcp(o.actor.addr, o.c2, r.range(32768, 60999), o.port, s, s + r.int(2));
        toInternet(cw, ctx.estate, o.actor).sizes(r.range(5, 7), o.reqBytes + r.int(80), r.range(4, 6), o.respBytes + r.int(60));
        cw.write(sink);
      }, rng, c);
    },
  };
}

export function beaconingVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  return {
    'https-60s': () => beacon(ctx, {
      variant: 'https-60s', level: 'medium', actor: ctx.compromisedHost(['app']), c2: ctx.external(), port: 443,
      periodS: 60, jitter: 0.1, missed: 0.05, minutes: 480, reqBytes: 480, respBytes: 260, mitre: ['T1071.001', 'T1573'],
      description: 'HTTPS C2 beacon every 60 s (±10% jitter, 5% missed beats) for 8 hours',
    }),
    'slow-jitter': () => beacon(ctx, {
      variant: 'slow-jitter', level: 'low', actor: ctx.compromisedHost(['worker']), c2: ctx.external(), port: 443,
      periodS: 300, jitter: 0.3, missed: 0.1, minutes: 720, reqBytes: 900, respBytes: 400, mitre: ['T1071.001'],
      description: 'low-and-slow beacon every 300 s with ±30% jitter and 10% missed beats for 12 hours',
    }),
    'fast-nonstandard': () => beacon(ctx, {
      variant: 'fast-nonstandard', level: 'high', actor: ctx.compromisedHost(['windows']), c2: ctx.external(), port: 8443,
      periodS: 10, jitter: 0.05, missed: 0.02, minutes: 120, reqBytes: 300, respBytes: 180, mitre: ['T1071.001', 'T1571'],
      description: 'fast beacon every 10 s to a non-standard port (8443) for 2 hours',
    }),
  };
}

function longSession(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: Host; remote: number; port: number; minutes: number;
    mitre: string[]; description: string; bytesPerMin: number;
  },
): AttackDraft {
  const srcPort = 32768 + ctx.rng.int(28000);
  return {
    detector: 'long-connection', variant: o.variant, level: o.level, direction: 'outbound', description: o.description,
    mitre: o.mitre, related: ['unusual-port', 'beaconing', 'exfiltration', 'crypto-mining'], actor: o.actor.addr, targets: [o.remote],
    ports: [o.port], protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ hours: +(len / 60).toFixed(2), bytesPerMinute: o.bytesPerMin }),
    emit(w, t0, sink, rng, c, len) {
      c.tcp(o.actor.addr, o.remote, srcPort, o.port, t0, t0 + WINDOW - 1);
      const b = Math.max(60, Math.round(o.bytesPerMin * (0.5 + rng.next())));
      toInternet(c, ctx.estate, o.actor).sizes(2 + Math.ceil(b / 1200), b, 2 + Math.ceil(b / 900), Math.round(b * 1.4));
      emitLongSession(c, sink, w, len, t0);
    },
  };
}

export function longConnectionVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  return {
    'ssh-out': () => longSession(ctx, {
      variant: 'ssh-out', level: 'medium', actor: ctx.compromisedHost(['app']), remote: ctx.external(), port: 22,
      minutes: 600, bytesPerMin: 4000, mitre: ['T1572'],
      description: 'outbound SSH session held open for 10 hours (tunnel)',
    }),
    'reverse-shell': () => longSession(ctx, {
      variant: 'reverse-shell', level: 'high', actor: ctx.compromisedHost(['web']), remote: ctx.external(), port: 4444,
      minutes: 180, bytesPerMin: 600, mitre: ['T1571', 'T1059'],
      description: 'reverse shell to port 4444 kept open for 3 hours',
    }),
    short: () => longSession(ctx, {
      variant: 'short', level: 'low', actor: ctx.compromisedHost(['windows', 'worker']), remote: ctx.external(), port: 443,
      minutes: 90, bytesPerMin: 2500, mitre: ['T1071.001'],
      description: 'a 90-minute continuous HTTPS session to an unknown host (just above the 1-hour mark)',
    }),
  };
}

export function unusualPortVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  return {
    'outbound-irc': () => {
      const actor = ctx.compromisedHost(['app']);
      const remote = ctx.external();
      return {
        detector: 'unusual-port', variant: 'outbound-irc', level: 'medium', direction: 'outbound',
        description: 'app server opens IRC (6667) connections to an internet host, every ~2 minutes for 30 minutes',
        mitre: ['T1571'], related: ['beaconing', 'long-connection'], actor: actor.addr, targets: [remote], ports: [6667],
        protocol: TCP, windows: 30, intensity: { connections: 15 },
        emit(w, t0, sink, rng, c) {
          if (w % 2) return;
          const s = t0 + rng.int(WINDOW);
          c.tcp(actor.addr, remote, rng.range(32768, 60999), 6667, s, Math.min(t0 + WINDOW - 1, s + 20));
          toInternet(c, ctx.estate, actor).sizes(rng.range(8, 20), rng.range(600, 2000), rng.range(8, 20), rng.range(800, 3000));
          c.write(sink);
        },
      };
    },
    'lateral-winrm': () => {
      const actor = ctx.compromisedHost(['windows', 'worker']);
      const target = ctx.role('app')[2] as Host;
      return {
        detector: 'unusual-port', variant: 'lateral-winrm', level: 'medium', direction: 'internal',
        description: 'WinRM (5985) from a Windows host to an app server, never seen before, 10 connections in 20 minutes',
        mitre: ['T1021.006'], related: ['port-scan'], actor: actor.addr, targets: [target.addr], ports: [5985],
        protocol: TCP, windows: 20, intensity: { connections: 10 },
        emit(w, t0, sink, rng, c) {
          if (w % 2) return;
          const s = t0 + rng.int(WINDOW - 5);
          c.tcp(actor.addr, target.addr, rng.range(49152, 65535), 5985, s, s + 4).on(actor.eni, target.eni)
            .sizes(rng.range(10, 30), rng.range(1500, 6000), rng.range(10, 30), rng.range(2000, 9000));
          c.write(sink);
        },
      };
    },
  };
}

export function maliciousIpVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const lb = ctx.role('lb')[0] as Host;
  return {
    outbound: () => {
      const actor = ctx.compromisedHost(['app', 'web']);
      const bad = ctx.intelAddr('malicious', 0);
      return {
        detector: 'malicious-ip', variant: 'outbound', level: 'medium', direction: 'outbound',
        description: 'app server fetches from a threat-listed address over HTTP, 6 connections in 30 minutes',
        mitre: ['T1071.001'], related: ['beaconing', 'unusual-port'], actor: actor.addr, targets: [bad], ports: [80],
        protocol: TCP, windows: 30, intensity: { connections: 6 },
        emit(w, t0, sink, rng, c) {
          if (w % 5) return;
          const s = t0 + rng.int(WINDOW - 3);
          c.tcp(actor.addr, bad, rng.range(32768, 60999), 80, s, s + 2);
          toInternet(c, ctx.estate, actor).sizes(rng.range(5, 9), rng.range(400, 900), rng.range(20, 80), rng.range(20000, 90000));
          c.write(sink);
        },
      };
    },
    inbound: () => {
      const bad = ctx.intelAddr('malicious', 1);
      return {
        detector: 'malicious-ip', variant: 'inbound', level: 'medium', direction: 'inbound',
        description: 'a threat-listed address makes 10 accepted HTTPS requests to the load balancer over 20 minutes',
        mitre: ['T1595.002'], related: ['brute-force'], actor: bad, targets: [lb.addr], ports: [443], protocol: TCP,
        windows: 20, intensity: { connections: 10 },
        emit(w, t0, sink, rng, c) {
          if (w % 2) return;
          const s = t0 + rng.int(WINDOW - 3);
          c.tcp(bad, lb.addr, rng.range(1024, 65535), 443, s, s + 2).on(-1, lb.eni)
            .sizes(rng.range(6, 12), rng.range(700, 2000), rng.range(6, 20), rng.range(3000, 20000));
          c.write(sink);
        },
      };
    },
    single: () => {
      const actor = ctx.compromisedHost(['windows', 'worker', 'app']);
      const bad = ctx.intelAddr('malicious', 2);
      return {
        detector: 'malicious-ip', variant: 'single', level: 'low', direction: 'outbound',
        description: 'one single HTTPS connection to a threat-listed address',
        mitre: ['T1071.001'], related: [], actor: actor.addr, targets: [bad], ports: [443], protocol: TCP, windows: 1,
        intensity: { connections: 1 },
        emit(_w, t0, sink, rng, c) {
          const s = t0 + rng.int(WINDOW - 3);
          c.tcp(actor.addr, bad, rng.range(32768, 60999), 443, s, s + 2);
          toInternet(c, ctx.estate, actor).sizes(9, 1400, 8, 5200);
          c.write(sink);
        },
      };
    },
  };
}

