/** TEST/BENCH ONLY: deterministic flow records covering every column shape. */
import type { FlowRecord } from '@flowguard/contracts';
import { seededRandom as seededUnit } from '@flowguard/util';

/** Seeded integers in [0, n). */
export function seededRandom(seed: number): (n: number) => number {
  const next = seededUnit(seed);
  return (n: number) => Math.floor(next() * n);
}

export interface FixtureOptions {
  count: number;
  /** Unix seconds of the first record (default 2024-03-05T14:00:00Z) */
  start?: number;
  /** seconds between consecutive records' start (default 1) */
  step?: number;
  seed?: number;
  accounts?: string[];
  /** when set, records carry a `region` field chosen from these */
  regions?: string[];
  /** add v3–v5 fields (vpc-id, pkt-*, flow-direction, tcp-flags...) */
  rich?: boolean;
}

export function flowFixtures(o: FixtureOptions): FlowRecord[] {
  const rnd = seededRandom(o.seed ?? 1);
  const start0 = o.start ?? 1709647200;
  const step = o.step ?? 1;
  const accounts = o.accounts ?? ['123456789012'];
  const out: FlowRecord[] = [];
  for (let i = 0; i < o.count; i++) {
    const start = start0 + i * step;
    const r: FlowRecord = {
      version: o.rich ? 5 : 2,
      accountId: accounts[rnd(accounts.length)] as string,
      interfaceId: `eni-0${(rnd(40) + 10).toString(16)}aa`,
      srcAddr: `10.0.${rnd(4)}.${rnd(250) + 1}`,
      dstAddr: rnd(4) === 0 ? `2001:db8::${(rnd(60000) + 1).toString(16)}` : `${rnd(200) + 20}.${rnd(256)}.${rnd(256)}.${rnd(250) + 1}`,
      srcPort: rnd(60000) + 1024,
      dstPort: [443, 80, 22, 3389, 53][rnd(5)] as number,
      protocol: rnd(10) === 0 ? 17 : 6,
      packets: rnd(500) + 1,
      bytes: rnd(1_000_000) + 40,
      start,
      end: start + 60,
      action: rnd(5) === 0 ? 'REJECT' : 'ACCEPT',
      logStatus: 'OK',
    };
    if (rnd(7) === 0) r.marks = 1 << rnd(14);
    const fields: Record<string, string> = {};
    if (o.regions) fields['region'] = o.regions[rnd(o.regions.length)] as string;
    if (o.rich) {
      r.tcpFlags = [2, 18, 3, 19, 0][rnd(5)] as number;
      r.flowDirection = rnd(2) ? 'ingress' : 'egress';
      if (r.flowDirection === 'egress') r.trafficPath = rnd(8) + 1;
      fields['vpc-id'] = `vpc-0${rnd(3)}`;
      fields['subnet-id'] = `subnet-0${rnd(9)}`;
      if (rnd(3) === 0) fields['pkt-srcaddr'] = `100.64.${rnd(256)}.${rnd(256)}`;
      if (rnd(3) === 0) fields['pkt-dst-aws-service'] = 'S3';
    }
    if (Object.keys(fields).length) r.fields = fields;
    out.push(r);
  }
  return out;
}
