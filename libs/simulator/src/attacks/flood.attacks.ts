import type { Host } from '../estate/estate';
import { ACCEPT, Flags, REJECT, TCP, UDP } from '../output/flow-sink';
import { type AttackContext, type AttackDraft, toInternet } from './attack';

const WINDOW = 60;

export function ddosVariants(ctx: AttackContext): Record<string, () => AttackDraft> {
  const [lbA, lbB] = ctx.role('lb') as [Host, Host];
  return {
    'syn-flood': () => {
      // Spoofed sources: each window a random subset of a large pool sends a burst of SYNs;
      // the LB answers SYN-ACKs into the void (no handshake completes).
      const pool = ctx.externals(1500);
      return {
        detector: 'ddos', variant: 'syn-flood', level: 'high', direction: 'inbound',
        description: 'spoofed SYN flood against LB node A on 443 from 1,500 sources for 15 minutes',
        mitre: ['T1499.001', 'T1498'], related: ['port-scan', 'strobe'], actor: null, actors: pool, targets: [lbA.addr],
        ports: [443], protocol: TCP, windows: 15, intensity: { sources: pool.length, synPerMinute: 120000 },
        emit(_w, t0, sink, rng, c) {
          for (let k = 0; k < 1200; k++) {
            const src = pool[rng.int(pool.length)] as number;
            const s = t0 + rng.int(WINDOW);
            const pk = rng.range(60, 140);
            c.tcp(src, lbA.addr, rng.range(1024, 65535), 443, s, Math.min(t0 + WINDOW - 1, s + 1)).on(-1, lbA.eni)
              .sizes(pk, pk * 60, pk, pk * 60);
            c.reqFlags = Flags.SYN;
            c.respFlags = Flags.SYN_ACK;
            c.write(sink);
          }
        },
      };
    },
    'udp-flood': () => {
      const actor = ctx.external();
      return {
        detector: 'ddos', variant: 'udp-flood', level: 'high', direction: 'inbound',
        description: 'single-source UDP flood to random ports of LB node B, ~2 Gbit/s for 10 minutes (dropped by the SG)',
        mitre: ['T1498.001'], related: ['port-scan', 'unusual-port'], actor, targets: [lbB.addr], ports: [],
        protocol: UDP, windows: 10, intensity: { packetsPerMinute: 12_000_000, sources: 1 },
        emit(_w, t0, sink, rng, c) {
          for (let k = 0; k < 200; k++) {
            const pk = rng.range(50_000, 70_000);
            c.tcp(actor, lbB.addr, rng.range(1024, 65535), rng.range(1, 65535), t0, t0 + WINDOW - 1).on(-1, lbB.eni)
              .sizes(pk, pk * 1200, 0, 0);
            c.protocol = UDP;
            c.reqFlags = 0;
            c.dstAction = REJECT;
            c.write(sink);
          }
        },
      };
    },
    'many-source': () => {
      const bots = ctx.externals(400);
      return {
        detector: 'ddos', variant: 'many-source', level: 'medium', direction: 'inbound',
        description: 'HTTPS request flood from a 400-bot botnet against the load balancer for 15 minutes (4 connections/min each)',
        mitre: ['T1499.002'], related: ['strobe'], actor: null, actors: bots, targets: [lbA.addr, lbB.addr], ports: [443],
        protocol: TCP, windows: 15, intensity: { sources: bots.length, connectionsPerMinute: 1600 },
        emit(_w, t0, sink, rng, c) {
          for (const bot of bots) {
            for (let k = 0; k < 4; k++) {
              const lb = rng.chance(0.5) ? lbA : lbB;
              const s = t0 + rng.int(WINDOW);
              c.tcp(bot, lb.addr, rng.range(1024, 65535), 443, s, Math.min(t0 + WINDOW - 1, s + 2)).on(-1, lb.eni)
                .sizes(rng.range(8, 12), rng.range(1500, 2500), rng.range(6, 10), rng.range(4000, 9000));
              c.write(sink);
            }
          }
        },
      };
    },
    'http-flood-single': () => {
      const actor = ctx.external();
      return {
        detector: 'ddos', variant: 'http-flood-single', level: 'medium', direction: 'inbound',
        description: 'LOIC-style HTTP flood from one address: 300 connections/min to the LB for 30 minutes',
        mitre: ['T1499.002'], related: ['brute-force', 'strobe'], actor, targets: [lbA.addr], ports: [443], protocol: TCP,
        windows: 30, intensity: { sources: 1, connectionsPerMinute: 300 },
        emit(_w, t0, sink, rng, c) {
          for (let k = 0; k < 300; k++) {
            const s = t0 + Math.floor((k * WINDOW) / 300);
            c.tcp(actor, lbA.addr, rng.range(1024, 65535), 443, s, Math.min(t0 + WINDOW - 1, s + 1)).on(-1, lbA.eni)
              .sizes(rng.range(4, 8), rng.range(300, 700), rng.range(4, 8), rng.range(2000, 12000));
            c.write(sink);
          }
        },
      };
    },
    'outbound-udp': () => {
      const actor = ctx.compromisedHost(['app', 'worker']);
      const victim = ctx.external();
      return {
        detector: 'ddos', variant: 'outbound-udp', level: 'high', direction: 'outbound',
        description: 'compromised instance floods one internet address with UDP (DenialOfService.Udp) for 10 minutes',
        mitre: ['T1498.001'], related: ['unusual-port', 'exfiltration'], actor: actor.addr, targets: [victim], ports: [53],
        protocol: UDP, windows: 10, intensity: { packetsPerMinute: 2_400_000 },
        emit(_w, t0, sink, rng, c) {
          for (let k = 0; k < 40; k++) {
            const pk = rng.range(50_000, 70_000);
            c.tcp(actor.addr, victim, rng.range(32768, 60999), 53, t0, t0 + WINDOW - 1).sizes(pk, pk * 512, 0, 0);
            toInternet(c, ctx.estate, actor);
            c.protocol = UDP;
            c.reqFlags = 0;
            c.dstAction = ACCEPT;
            c.write(sink);
          }
        },
      };
    },
  };
}
