/**
 * A small, deterministic flow-log sample for the all-in-one's first run and
 * for tests: steady benign client/server traffic plus one vertical port scan,
 * as VPC Flow Logs v2 text with the S3-style header line. Same options, same
 * bytes: a seeded PRNG picks ports and timings.
 */
import { seededRandom } from '@flowguard/util';

export interface ScanSampleOptions {
  readonly seed?: number;
  /** Unix seconds of the first record */
  readonly start?: number;
  readonly scanner?: string;
  readonly target?: string;
  /** distinct destination ports the scanner probes */
  readonly ports?: number;
  /** seconds the scan takes */
  readonly scanSeconds?: number;
  /** ports of the target that answer (ACCEPT plus a reply record); the rest are REJECTed */
  readonly openPorts?: readonly number[];
  /** seconds of benign traffic around the scan */
  readonly benignSeconds?: number;
}

export const SCAN_SAMPLE_DEFAULTS = {
  seed: 1,
  start: 1_700_000_000,
  scanner: '172.16.0.1',
  target: '192.168.10.50',
  ports: 300,
  scanSeconds: 45,
  openPorts: [22, 80, 443],
  benignSeconds: 300,
} as const;

export const FLOW_LOG_V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

const ACCOUNT = '123456789012';
const TARGET_ENI = 'eni-0a1b2c3d4e5f60001';
const SERVER_ENI = 'eni-0a1b2c3d4e5f60002';


interface Row {
  readonly start: number;
  readonly text: string;
}

const line = (eni: string, src: string, dst: string, sport: number, dport: number, packets: number, bytes: number, start: number, end: number, action: 'ACCEPT' | 'REJECT'): Row => ({
  start,
  text: `2 ${ACCOUNT} ${eni} ${src} ${dst} ${sport} ${dport} 6 ${packets} ${bytes} ${start} ${end} ${action} OK`,
});

/** The sample as flow-log text (header line first, records ordered by start time). */
export function generateScanSample(options: ScanSampleOptions = {}): string {
  const o = { ...SCAN_SAMPLE_DEFAULTS, ...options };
  const rand = seededRandom(o.seed);
  const rows: Row[] = [];

  // benign: five clients polling two services every ~10 s, each answered
  const services = [{ addr: '10.0.2.20', port: 443 }, { addr: '10.0.2.21', port: 5432 }];
  for (let c = 0; c < 5; c++) {
    const client = `10.0.1.${10 + c}`;
    for (let t = 0; t < o.benignSeconds; t += 8 + Math.floor(rand() * 5)) {
      const svc = services[(c + t) % 2] as (typeof services)[number];
      const sport = 32768 + Math.floor(rand() * 28000);
      const start = o.start + t;
      const packets = 5 + Math.floor(rand() * 20);
      rows.push(line(SERVER_ENI, client, svc.addr, sport, svc.port, packets, packets * 120, start, start + 1, 'ACCEPT'));
      rows.push(line(SERVER_ENI, svc.addr, client, svc.port, sport, packets, packets * 900, start, start + 1, 'ACCEPT'));
    }
  }

  // the scan: distinct ports in shuffled order, one SYN each, starting two minutes in
  const candidates = Array.from({ length: Math.max(1024, o.ports) }, (_, i) => i + 1);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] as number, candidates[i] as number];
  }
  const open = new Set(o.openPorts);
  const probed = new Set<number>([...o.openPorts.slice(0, o.ports), ...candidates].slice(0, o.ports));
  const scanStart = o.start + 120;
  let k = 0;
  for (const port of probed) {
    const start = scanStart + Math.floor((k++ * o.scanSeconds) / o.ports);
    const sport = 40000 + Math.floor(rand() * 20000);
    if (open.has(port)) {
      rows.push(line(TARGET_ENI, o.scanner, o.target, sport, port, 1, 44, start, start + 1, 'ACCEPT'));
      rows.push(line(TARGET_ENI, o.target, o.scanner, port, sport, 1, 44, start, start + 1, 'ACCEPT'));
    } else {
      rows.push(line(TARGET_ENI, o.scanner, o.target, sport, port, 1, 44, start, start + 1, 'REJECT'));
    }
  }

  rows.sort((a, b) => a.start - b.start);
  return `${FLOW_LOG_V2_HEADER}\n${rows.map((r) => r.text).join('\n')}\n`;
}
