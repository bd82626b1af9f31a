/**
 * Deterministic synthetic VPC traffic for specs and benchmarks: background
 * clients and servers plus a configurable set of attacks, written as the
 * fwd/rev record pairs a real flow log holds. Test-only code.
 */
import { FlowBatch, appendRecord, type FlowRecord } from '@flowguard/contracts';
import { seededRandom as rng } from '@flowguard/util';

/** seeded PRNG shared with the rest of the repository (re-exported for the detection specs) */
export { seededRandom as rng } from '@flowguard/util';

export type Attack = 'scan' | 'sweep' | 'ddos' | 'beacon' | 'bruteforce' | 'exfil' | 'tor' | 'listed' | 'mining';

export interface ScenarioOptions {
  seed?: number;
  start?: number;
  minutes?: number;
  /** internal client hosts */
  clients?: number;
  /** background connections per client per minute */
  rate?: number;
  attacks?: Attack[];
}

export const SCENARIO = {
  scanner: '10.0.9.66',
  scanTarget: '10.0.1.10',
  sweeper: '10.0.9.77',
  ddosTarget: '10.0.1.20',
  beaconer: '10.0.9.88',
  c2: '203.0.113.5',
  bruteSource: '198.51.100.7',
  bruteTarget: '10.0.1.30',
  exfiltrator: '10.0.9.99',
  drop: '198.51.100.200',
  torClient: '10.0.9.55',
  torRelay: '192.0.2.90',
  listedCaller: '10.0.9.44',
  listed: '192.0.2.66',
  miner: '10.0.9.33',
  pool: '192.0.2.33',
} as const;

const SERVICES = ['93.184.216.34', '151.101.1.69', '142.250.74.46', '13.32.99.10', '52.94.236.248', '104.16.132.229'];

/** Records of a scenario, ordered by start (as a time-ordered delivery would hand them over). */
export function scenarioRecords(o: ScenarioOptions = {}): FlowRecord[] {
  const r = rng(o.seed ?? 7);
  const t0 = o.start ?? 1_700_000_040;
  const minutes = o.minutes ?? 30;
  const clients = o.clients ?? 20;
  const rate = o.rate ?? 4;
  const attacks = new Set(o.attacks ?? ['scan', 'sweep', 'ddos', 'beacon', 'bruteforce', 'exfil', 'tor', 'listed', 'mining']);
  const out: FlowRecord[] = [];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T;
  const eport = () => 32768 + Math.floor(r() * 28000);
  const conn = (src: string, dst: string, sport: number, dport: number, t: number, fwd: Partial<FlowRecord>, rev: Partial<FlowRecord> | null, eni: string) => {
    const base = { version: 2, accountId: '123456789012', interfaceId: eni, protocol: 6, action: 'ACCEPT' as const, logStatus: 'OK' as const };
    out.push({ ...base, srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, packets: 5, bytes: 600, start: t, end: t + 1, ...fwd });
    if (rev) out.push({ ...base, srcAddr: dst, dstAddr: src, srcPort: dport, dstPort: sport, packets: 5, bytes: 3000, start: t, end: t + 1, ...rev });
  };
  const eniOf = (ip: string) => `eni-${ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('')}`;
  for (let m = 0; m < minutes; m++) {
    const tm = t0 + m * 60;
    // background: clients to web services, with answers
    for (let c = 0; c < clients; c++) {
      const ip = `10.0.0.${10 + c}`;
      for (let k = 0; k < rate; k++) {
        const t = tm + Math.floor(r() * 59);
        conn(ip, pick(SERVICES), eport(), pick([443, 443, 443, 80, 53]), t, { packets: 4 + Math.floor(r() * 20), bytes: 500 + Math.floor(r() * 4000) }, { packets: 6 + Math.floor(r() * 40), bytes: 2000 + Math.floor(r() * 60000) }, eniOf(ip));
      }
    }
    if (attacks.has('scan') && m >= 2 && m < 5) {
      for (let k = 0; k < 150; k++) {
        const port = 1 + ((m - 2) * 150 + k) * 7;
        conn(SCENARIO.scanner, SCENARIO.scanTarget, 51000, port, tm + Math.floor(k / 3), { packets: 1, bytes: 44 }, r() < 0.5 ? { packets: 1, bytes: 40 } : null, eniOf(SCENARIO.scanTarget));
      }
    }
    if (attacks.has('sweep') && m >= 3 && m < 5) {
      for (let h = 0; h < 60; h++) {
        conn(SCENARIO.sweeper, `10.0.2.${h + 2}`, eport(), 22, tm + h % 60, { packets: 2, bytes: 120 }, null, eniOf(SCENARIO.sweeper));
      }
    }
    if (attacks.has('ddos') && m >= 10 && m < 14) {
      for (let s = 0; s < 700; s++) {
        const src = `198.18.${Math.floor(s / 250)}.${(s % 250) + 1}`;
        conn(src, SCENARIO.ddosTarget, eport(), 80, tm + (s % 60), { packets: 900, bytes: 54000 }, { packets: 10, bytes: 600 }, eniOf(SCENARIO.ddosTarget));
      }
    }
    if (attacks.has('beacon') && m % 1 === 0) {
      const t = tm + 7 + Math.floor(r() * 5) - 2;
      conn(SCENARIO.beaconer, SCENARIO.c2, eport(), 8443, t, { packets: 3, bytes: 310 }, { packets: 3, bytes: 250 }, eniOf(SCENARIO.beaconer));
    }
    if (attacks.has('bruteforce') && m >= 6 && m < 11) {
      for (let k = 0; k < 12; k++) conn(SCENARIO.bruteSource, SCENARIO.bruteTarget, eport(), 22, tm + k * 5, { packets: 12, bytes: 2400 }, { packets: 10, bytes: 2800 }, eniOf(SCENARIO.bruteTarget));
    }
    if (attacks.has('exfil') && m >= 15 && m < 25) {
      conn(SCENARIO.exfiltrator, SCENARIO.drop, 40123, 443, tm, { packets: 60000, bytes: 60_000_000, end: tm + 59 }, { packets: 30000, bytes: 1_200_000, end: tm + 59 }, eniOf(SCENARIO.exfiltrator));
    }
    if (attacks.has('tor') && m % 5 === 0) conn(SCENARIO.torClient, SCENARIO.torRelay, eport(), 9001, tm + 3, { packets: 20, bytes: 9000 }, { packets: 20, bytes: 12000 }, eniOf(SCENARIO.torClient));
    if (attacks.has('listed') && m === 20) conn(SCENARIO.listedCaller, SCENARIO.listed, eport(), 443, tm + 9, { packets: 8, bytes: 1500 }, { packets: 9, bytes: 8000 }, eniOf(SCENARIO.listedCaller));
    if (attacks.has('mining')) conn(SCENARIO.miner, SCENARIO.pool, 45000, 3333, tm + 1, { packets: 6, bytes: 900, end: tm + 58 }, { packets: 6, bytes: 1500, end: tm + 58 }, eniOf(SCENARIO.miner));
  }
  return out.sort((a, b) => (a.start as number) - (b.start as number));
}

export function scenarioBatch(o: ScenarioOptions = {}): FlowBatch {
  const recs = scenarioRecords(o);
  const b = new FlowBatch(recs.length);
  for (const x of recs) appendRecord(b, x);
  return b;
}
