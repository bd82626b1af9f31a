/**
 * Deterministic VPC flow-log v2 text shaped like an AWS estate, so every stage
 * of the ingest pipeline has work: most rows are app servers talking to many
 * public peers (geo lookups), some go to S3 (tier-1 filter: AWS endpoint),
 * some are load-balancer health checks (marked), a backup host's rsync traffic
 * is allow-listed, plus REJECTed probes, east-west traffic and NODATA rows.
 * Time moves forward (~1 h per 2 M lines), as delivered files do.
 */
import { seededRandom as rng } from '@flowguard/util';
import { closeSync, openSync, writeSync } from 'node:fs';

export const ESTATE_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** What the generator puts in, for the filter configuration of the benchmark. */
export const ESTATE = {
  /** the allow-listed backup host subnet (rsync to port 873) */
  backupCidr: '10.66.0.0/24',
  /** load-balancer subnet and target port */
  lbCidr: '10.0.5.0/24',
  healthCheckPort: 8080,
} as const;


/** Shares of the row kinds (the rest is app ↔ internet). */
export const MIX = { s3: 0.08, healthCheck: 0.1, backup: 0.05, eastWest: 0.12, reject: 0.05, nodata: 0.005 } as const;

export function* estateLines(count: number, seed = 7): Generator<string> {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)] as T;
  const account = '123456789012';
  const enis = Array.from({ length: 400 }, (_, i) => `eni-0${(0x1000000 + i * 7919).toString(16)}a1b2c3d4`);
  const apps = Array.from({ length: 2000 }, () => `10.${1 + int(30)}.${int(256)}.${1 + int(254)}`);
  const peers = Array.from({ length: 60_000 }, () => `${1 + int(222)}.${int(256)}.${int(256)}.${1 + int(254)}`);
  const s3 = Array.from({ length: 200 }, () => `52.${216 + int(2)}.${int(256)}.${1 + int(254)}`);
  const lbs = Array.from({ length: 6 }, (_, i) => `10.0.5.${10 + i}`);
  const backups = ['10.66.0.5', '10.66.0.6'];
  let t = 1_700_000_000;
  for (let i = 0; i < count; i++) {
    if (i % 550 === 0) t++;
    const eni = pick(enis);
    const start = t - int(60);
    const end = start + 1 + int(59);
    const k = r();
    let c = MIX.nodata;
    if (k < c) {
      yield `2 ${account} ${eni} - - - - - - - ${start} ${end} - NODATA`;
      continue;
    }
    const app = pick(apps);
    const eph = 1024 + int(64511);
    if (k < (c += MIX.s3)) yield `2 ${account} ${eni} ${app} ${pick(s3)} ${eph} 443 6 ${2 + int(40)} ${200 + int(60000)} ${start} ${end} ACCEPT OK`;
    else if (k < (c += MIX.healthCheck)) yield `2 ${account} ${eni} ${pick(lbs)} ${app} ${eph} ${ESTATE.healthCheckPort} 6 ${1 + int(6)} ${60 + int(600)} ${start} ${end} ACCEPT OK`;
    else if (k < (c += MIX.backup)) yield `2 ${account} ${eni} ${pick(backups)} ${app} ${eph} 873 6 ${100 + int(5000)} ${50_000 + int(5_000_000)} ${start} ${end} ACCEPT OK`;
    else if (k < (c += MIX.eastWest)) yield `2 ${account} ${eni} ${app} ${pick(apps)} ${eph} ${pick([5432, 6379, 9092, 443])} 6 ${2 + int(200)} ${200 + int(200_000)} ${start} ${end} ACCEPT OK`;
    else if (k < (c += MIX.reject)) yield `2 ${account} ${eni} ${pick(peers)} ${app} ${eph} ${pick([22, 23, 3389, 445, 1433])} 6 1 40 ${start} ${end} REJECT OK`;
    else if (r() < 0.5) yield `2 ${account} ${eni} ${app} ${pick(peers)} ${eph} 443 6 ${2 + int(300)} ${200 + int(400_000)} ${start} ${end} ACCEPT OK`;
    else yield `2 ${account} ${eni} ${pick(peers)} ${app} ${eph} 443 6 ${2 + int(300)} ${200 + int(400_000)} ${start} ${end} ACCEPT OK`;
  }
}

/** Write `count` lines (with the header line) to `path`; returns the bytes written. */
export function writeEstateFile(path: string, count: number, seed = 7): number {
  const fd = openSync(path, 'w');
  let bytes = writeSync(fd, `${ESTATE_HEADER}\n`);
  let chunk: string[] = [];
  for (const l of estateLines(count, seed)) {
    chunk.push(l);
    if (chunk.length === 20_000) {
      bytes += writeSync(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length) bytes += writeSync(fd, `${chunk.join('\n')}\n`);
  closeSync(fd);
  return bytes;
}
