/**
 * Deterministic generator of realistic VPC flow-log text for the parser
 * benchmark: many distinct internal and external addresses (some IPv6),
 * ephemeral and service ports, TCP/UDP/ICMP, skewed packet/byte counts,
 * REJECTs and a sprinkling of NODATA/SKIPDATA rows.
 */
import { seededRandom as rng } from '@flowguard/util';
import { closeSync, openSync, writeSync } from 'node:fs';

export const V2_FIELDS = [
  'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes',
  'start', 'end', 'action', 'log-status',
];

/** 30 fields: v2 plus the v3–v5 and v8 fields most deployments enable. */
export const CUSTOM30_FIELDS = [
  ...V2_FIELDS, 'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region', 'az-id',
  'sublocation-type', 'sublocation-id', 'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
  'reject-reason',
];

export const formatOf = (fields: string[]) => fields.map((f) => '${' + f + '}').join(' ');


const hex = (r: () => number, n: number) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
  return s;
};

export interface GenerateOptions {
  path: string;
  lines: number;
  fields: string[];
  seed?: number;
  header?: boolean;
}

export function generateFlowLogFile(opts: GenerateOptions): { bytes: number } {
  const r = rng(opts.seed ?? 42);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)] as T;
  const accounts = Array.from({ length: 6 }, () => String(100000000000 + Math.floor(r() * 899999999999)));
  const enis = Array.from({ length: 3000 }, () => 'eni-' + hex(r, 17));
  const internal = Array.from({ length: 20000 }, () =>
    r() < 0.8 ? `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}` : `172.31.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
  );
  const external = Array.from({ length: 200000 }, () =>
    r() < 0.97
      ? `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`
      : `2600:1f18:${hex(r, 4)}:${hex(r, 4)}::${hex(r, 3)}`,
  );
  const services = [443, 80, 22, 53, 3306, 5432, 6379, 8080, 8443, 9092, 123, 3389, 25, 27017];
  const vpcs = Array.from({ length: 20 }, () => 'vpc-' + hex(r, 17));
  const subnets = Array.from({ length: 200 }, () => 'subnet-' + hex(r, 17));
  const instances = Array.from({ length: 2000 }, () => 'i-' + hex(r, 17));
  const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const azs = ['use1-az1', 'use1-az2', 'use1-az4', 'euw1-az1', 'euw1-az2', 'apse2-az3'];
  const awsServices = ['AMAZON', 'EC2', 'S3', 'DYNAMODB', 'ROUTE53_HEALTHCHECKS', 'CLOUDFRONT'];
  const flags = [0, 2, 18, 19, 3, 1, 4, 6];
  const custom = opts.fields.length > 14;
  const fd = openSync(opts.path, 'w');
  let out: string[] = opts.header === false ? [] : [opts.fields.join(' ')];
  let total = 0;
  let t = 1700000000;
  for (let i = 0; i < opts.lines; i++) {
    if (i % 100 === 0) t++;
    const acct = pick(accounts);
    const eni = pick(enis);
    const status = r();
    let line: string;
    if (status < 0.01) {
      line = `2 ${acct} ${eni} - - - - - - - ${t} ${t + 60} - ${status < 0.007 ? 'NODATA' : 'SKIPDATA'}`;
      if (custom) line += ' - - - - - - - - - - - - - - - -';
    } else {
      const inbound = r() < 0.5;
      const inside = r() < 0.2;
      const local = pick(internal);
      const remote = inside ? pick(internal) : pick(external);
      const proto = r() < 0.85 ? 6 : r() < 0.85 ? 17 : 1;
      const svc = proto === 1 ? 0 : pick(services);
      const eph = proto === 1 ? 0 : 1024 + Math.floor(r() * 64511);
      const src = inbound ? remote : local;
      const dst = inbound ? local : remote;
      const sport = inbound ? eph : svc;
      const dport = inbound ? svc : eph;
      const pkts = 1 + Math.floor(Math.exp(r() * 9));
      const bytes = pkts * (40 + Math.floor(r() * 1460));
      const start = t - Math.floor(r() * 60);
      const end = start + Math.floor(r() * 60);
      const action = r() < 0.92 ? 'ACCEPT' : 'REJECT';
      line = `2 ${acct} ${eni} ${src} ${dst} ${sport} ${dport} ${proto} ${pkts} ${bytes} ${start} ${end} ${action} OK`;
      if (custom) {
        const v6 = src.includes(':') || dst.includes(':');
        const egress = !inbound;
        line +=
          ` ${pick(vpcs)} ${pick(subnets)} ${r() < 0.8 ? pick(instances) : '-'} ${proto === 6 ? pick(flags) : 0} ${v6 ? 'IPv6' : 'IPv4'}` +
          ` ${r() < 0.9 ? src : pick(internal)} ${dst} ${pick(regions)} ${pick(azs)} - -` +
          ` ${r() < 0.1 ? pick(awsServices) : '-'} ${r() < 0.1 ? pick(awsServices) : '-'} ${egress ? 'egress' : 'ingress'}` +
          ` ${egress ? 1 + Math.floor(r() * 8) : '-'} ${action === 'REJECT' && r() < 0.05 ? 'BPA' : '-'}`;
      }
    }
    out.push(line);
    if (out.length >= 20000) {
      total += writeSync(fd, out.join('\n') + '\n');
      out = [];
    }
  }
  if (out.length) total += writeSync(fd, out.join('\n') + '\n');
  closeSync(fd);
  return { bytes: total };
}
