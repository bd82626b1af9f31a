/**
 * Test support: a small, deterministic VPC estate for the scale specs, written
 * the way flow logs record traffic — one record per direction on every ENI the
 * traffic crosses (both ENIs for internal traffic, ours only for internet
 * traffic). Attacks: three port scans, a sweep by an internet host across
 * many of our hosts (its probes are recorded on each target's ENI), a flood
 * from 600 internet sources, a 60 s beacon, SSH guessing.
 */
import { seededRandom as rng } from '@flowguard/util';
import { batchFromRecords, type FlowBatch, type FlowRecord } from '@flowguard/contracts';

export const SCALE_ACTORS = {
  inboundScanner: '198.51.100.10',
  internalScanner: '10.1.5.5',
  lateScanner: '203.0.113.77',
  internetSweeper: '198.51.100.99',
  floodTarget: '10.1.0.40',
  beaconer: '10.1.7.7',
  c2: '203.0.113.5',
  guesser: '198.51.100.66',
} as const;


const isOurs = (ip: string) => ip.startsWith('10.');
const eniOf = (ip: string) => `eni-${ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('')}`;

export interface ScaleScenarioOptions {
  readonly seed?: number;
  /** epoch seconds, a multiple of 60 */
  readonly start?: number;
  readonly minutes?: number;
  readonly clients?: number;
  /** rows per emitted batch (time-ordered, ENIs mixed as a delivery would hand them over) */
  readonly batchRows?: number;
}

export function scaleScenario(o: ScaleScenarioOptions = {}): FlowBatch[] {
  const r = rng(o.seed ?? 11);
  const t0 = o.start ?? 1_700_000_040;
  const minutes = o.minutes ?? 40;
  const clients = o.clients ?? 24;
  const out: FlowRecord[] = [];
  const eport = () => 32768 + Math.floor(r() * 28000);
  /** one connection: forward and (unless rejected) answer records, on every ENI of ours it crosses */
  const conn = (src: string, dst: string, sport: number, dport: number, t: number, opts: { reject?: boolean; packets?: number; bytes?: number; answer?: boolean } = {}) => {
    const action = opts.reject ? 'REJECT' as const : 'ACCEPT' as const;
    const enis = [src, dst].filter(isOurs).map(eniOf);
    for (const eni of enis) {
      const base = { version: 2, accountId: '123456789012', interfaceId: eni, protocol: 6, action, logStatus: 'OK' as const };
      out.push({ ...base, srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, packets: opts.packets ?? 1, bytes: opts.bytes ?? 44, start: t, end: t + 1 });
      if (!opts.reject && opts.answer !== false) {
        out.push({ ...base, srcAddr: dst, dstAddr: src, srcPort: dport, dstPort: sport, packets: opts.packets ?? 1, bytes: (opts.bytes ?? 44) * 4, start: t, end: t + 1 });
      }
    }
  };
  const services = ['93.184.216.34', '151.101.1.69', '142.250.74.46', '13.32.99.10'];
  for (let m = 0; m < minutes; m++) {
    const tm = t0 + m * 60;
    for (let c = 0; c < clients; c++) {
      for (let k = 0; k < 3; k++) {
        conn(`10.1.1.${10 + c}`, services[Math.floor(r() * services.length)] as string, eport(), 443, tm + Math.floor(r() * 59), { packets: 8 + Math.floor(r() * 20), bytes: 900 + Math.floor(r() * 5000) });
      }
      if (c % 3 === 0) conn(`10.1.1.${10 + c}`, `10.1.2.${10 + (c % 5)}`, eport(), 5432, tm + Math.floor(r() * 59), { packets: 12, bytes: 4000 });
    }
    // the beacon: every 60 s, one short HTTPS session
    conn(SCALE_ACTORS.beaconer, SCALE_ACTORS.c2, eport(), 8443, tm + 7, { packets: 6, bytes: 700 });
    if (m === 3) for (let p = 1; p <= 200; p++) conn(SCALE_ACTORS.inboundScanner, '10.1.0.10', 40000 + p, p, tm + Math.floor(p / 5), { reject: true });
    if (m === 9) for (let p = 1; p <= 120; p++) conn(SCALE_ACTORS.internalScanner, '10.1.0.20', 41000 + p, p, tm + Math.floor(p / 3), { reject: true });
    if (m === 27) for (let p = 1000; p <= 1080; p++) conn(SCALE_ACTORS.lateScanner, '10.1.0.30', 42000 + p, p, tm + (p % 50), { reject: true });
    if (m === 14) for (let h = 0; h < 48; h++) conn(SCALE_ACTORS.internetSweeper, `10.1.3.${10 + h}`, 43000 + h, 3389, tm + h, { reject: true });
    if (m === 18) {
      for (let s = 0; s < 600; s++) {
        conn(`45.33.${Math.floor(s / 200)}.${s % 200}`, SCALE_ACTORS.floodTarget, eport(), 443, tm + (s % 60), { packets: 40, bytes: 2400, answer: false });
      }
    }
    if (m >= 21 && m < 24) for (let k = 0; k < 12; k++) conn(SCALE_ACTORS.guesser, '10.1.0.50', 50000 + m * 20 + k, 22, tm + k * 5, { packets: 12, bytes: 3000 });
  }
  // minute by minute, unordered within a minute: the disorder a delivery has (well inside the allowed lateness)
  const rows = o.batchRows ?? 2000;
  const batches: FlowBatch[] = [];
  for (let i = 0; i < out.length; i += rows) batches.push(batchFromRecords(out.slice(i, i + rows)));
  return batches;
}
