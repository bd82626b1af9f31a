import type { Host } from '../estate/estate';
import { TCP } from '../output/flow-sink';
import { type AttackContext, type AttackDraft, toInternet } from './attack';
import { emitLongSession } from './c2.attacks';

const WINDOW = 60;

/**
 * Mining: a long-lived, steady, low-byte session to a pool (the profile the
 * reference recommends combining with the pool-IP list). `reconnectEvery` > 0
 * makes the miner reconnect with a new source port every that many minutes.
 */
function miner(
  ctx: AttackContext, o: {
    variant: string; level: AttackDraft['level']; actor: Host; pool: number; port: number; minutes: number;
    reconnectEvery: number; description: string;
  },
): AttackDraft {
  const basePort = 32768 + ctx.rng.int(20000);
  return {
    detector: 'crypto-mining', variant: o.variant, level: o.level, direction: 'outbound', description: o.description,
    mitre: ['T1496.001'], related: ['long-connection', 'unusual-port', 'beaconing', 'malicious-ip'], actor: o.actor.addr,
    targets: [o.pool], ports: [o.port], protocol: TCP, windows: o.minutes,
    intensity: (len) => ({ hours: +(len / 60).toFixed(2), reconnectEveryMinutes: o.reconnectEvery }),
    emit(w, t0, sink, rng, c, len) {
      const seg = o.reconnectEvery > 0 ? Math.floor(w / o.reconnectEvery) : 0;
      const segLen = o.reconnectEvery > 0 ? o.reconnectEvery : len;
      const inSeg = o.reconnectEvery > 0 ? w % o.reconnectEvery : w;
      c.tcp(o.actor.addr, o.pool, basePort + seg, o.port, t0, t0 + WINDOW - 1);
      // share submissions and job notifications: a few hundred bytes every few seconds, both ways
      toInternet(c, ctx.estate, o.actor).sizes(rng.range(14, 20), rng.range(1800, 2600), rng.range(12, 18), rng.range(2200, 3200));
      emitLongSession(c, sink, inSeg, Math.min(segLen, len - seg * segLen), t0);
    },
  };
}

export function cryptoMiningVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  return {
    stratum: () => miner(ctx, {
      variant: 'stratum', level: 'high', actor: ctx.compromisedHost(['worker']), pool: ctx.intelAddr('miningPools', 0),
      port: 3333, minutes: 600, reconnectEvery: 0, description: 'miner on a worker holds a stratum session to a pool on 3333 for 10 hours',
    }),
    'bypass-443': () => miner(ctx, {
      variant: 'bypass-443', level: 'medium', actor: ctx.compromisedHost(['app']), pool: ctx.intelAddr('miningPools', 1),
      port: 443, minutes: 360, reconnectEvery: 0, description: 'miner uses the pool\'s 443 "firewall bypass" endpoint for 6 hours',
    }),
    low: () => miner(ctx, {
      variant: 'low', level: 'low', actor: ctx.compromisedHost(['windows', 'worker', 'app']), pool: ctx.intelAddr('miningPools', 2),
      port: 14444, minutes: 90, reconnectEvery: 10, description: 'short mining run (90 minutes) that reconnects every 10 minutes',
    }),
  };
}

export function torVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const lbs = ctx.role('lb');
  return {
    'inbound-exit': () => {
      const exits = [0, 1, 2, 3, 4].map((i) => ctx.intelAddr('torExits', i));
      return {
        detector: 'tor', variant: 'inbound-exit', level: 'medium', direction: 'inbound',
        description: 'five Tor exit nodes send ~5 HTTPS requests/min each to the load balancer for 1 hour',
        mitre: ['T1090.003'], related: ['malicious-ip'], actor: null, actors: exits, targets: lbs.map((h) => h.addr),
        ports: [443], protocol: TCP, windows: 60, intensity: { exits: exits.length, requestsPerMinute: 25 },
        emit(_w, t0, sink, rng, c) {
          for (const ex of exits) {
            for (let k = 0; k < 5; k++) {
              const lb = lbs[rng.int(lbs.length)] as Host;
              const s = t0 + rng.int(WINDOW - 2);
              c.tcp(ex, lb.addr, rng.range(1024, 65535), 443, s, s + 1).on(-1, lb.eni)
                .sizes(rng.range(6, 12), rng.range(800, 2000), rng.range(6, 30), rng.range(3000, 40000));
              c.write(sink);
            }
          }
        },
      };
    },
    'inbound-exit-low': () => {
      const exit = ctx.intelAddr('torExits', 7);
      const lb = lbs[0] as Host;
      return {
        detector: 'tor', variant: 'inbound-exit-low', level: 'low', direction: 'inbound',
        description: 'one Tor exit makes three requests over 20 minutes',
        mitre: ['T1090.003'], related: ['malicious-ip'], actor: exit, targets: [lb.addr], ports: [443], protocol: TCP,
        windows: 20, intensity: { requests: 3 },
        emit(w, t0, sink, rng, c) {
          if (w !== 0 && w !== 9 && w !== 19) return;
          const s = t0 + rng.int(WINDOW - 2);
          c.tcp(exit, lb.addr, rng.range(1024, 65535), 443, s, s + 1).on(-1, lb.eni).sizes(8, 1200, 10, 9000);
          c.write(sink);
        },
      };
    },
    'outbound-relay': () => {
      const actor = ctx.compromisedHost(['app', 'worker']);
      const guards = [0, 1, 2].map((i) => ctx.intelAddr('torRelays', i));
      const ports = guards.map((_, i) => 32768 + ctx.rng.int(20000) + i);
      return {
        detector: 'tor', variant: 'outbound-relay', level: 'high', direction: 'outbound',
        description: 'an instance runs a Tor client: long-lived circuits to three guard relays on ORPort 9001 for 4 hours',
        mitre: ['T1090.003'], related: ['long-connection', 'unusual-port', 'malicious-ip', 'beaconing'], actor: actor.addr,
        targets: guards, ports: [9001], protocol: TCP, windows: 240,
        intensity: (len) => ({ relays: guards.length, hours: +(len / 60).toFixed(2) }),
        emit(w, t0, sink, rng, c, len) {
          guards.forEach((g, i) => {
            c.tcp(actor.addr, g, ports[i] as number, 9001, t0, t0 + WINDOW - 1);
            const b = rng.range(3000, 40000);
            toInternet(c, ctx.estate, actor).sizes(2 + Math.ceil(b / 1200), b, 2 + Math.ceil(b / 600), b * 2);
            emitLongSession(c, sink, w, len, t0);
          });
        },
      };
    },
  };
}
