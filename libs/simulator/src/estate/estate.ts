import { Prng } from '../random/prng';
import { AddressTable, AddrKind, PublicIpAllocator, ipToInt, ipToString } from './address-table';
import { DEFAULT_SIM_INTEL, type SimIntel } from './sim-intel';

export type HostRole = 'lb' | 'nat' | 'bastion' | 'web' | 'app' | 'db' | 'cache' | 'windows' | 'worker' | 'idle';

export interface Host {
  role: HostRole;
  name: string;
  /** address id in the estate's AddressTable */
  addr: number;
  /** index into Estate.enis */
  eni: number;
}

export interface Eni {
  interfaceId: string;
  subnetId: string;
  /** '-' for requester-managed ENIs (LB, NAT) */
  instanceId: string;
  azId: string;
}

export interface EstateOptions {
  accountId: string;
  region: string;
  vpcId: string;
  vpcCidr: string;
  webServers: number;
  appServers: number;
  workers: number;
  windowsHosts: number;
  /** distinct internet clients of the web tier */
  clients: number;
  intel: SimIntel;
}

export const DEFAULT_ESTATE: EstateOptions = {
  accountId: '123456789012',
  region: 'us-east-1',
  vpcId: 'vpc-0f1e2d3c4b5a69788',
  vpcCidr: '10.20.0.0/16',
  webServers: 10,
  appServers: 20,
  workers: 8,
  windowsHosts: 4,
  clients: 20000,
  intel: DEFAULT_SIM_INTEL,
};

/**
 * Real us-east-1 prefixes from ip-ranges.json (S3 and DYNAMODB subsets). Traffic
 * to them goes through gateway endpoints (traffic-path 7) and carries the service
 * code in v5 records. The nightly backup to S3 is a deliberate hard negative for
 * the exfiltration detector.
 */
export const AWS_SERVICE_PREFIXES: { service: string; cidr: string }[] = [
  { service: 'S3', cidr: '52.216.0.0/15' },
  { service: 'S3', cidr: '3.5.0.0/19' },
  { service: 'DYNAMODB', cidr: '3.218.180.0/22' },
];

/**
 * A synthetic but plausible AWS estate: an internet-facing load balancer with two
 * nodes in front of a web tier, an internal API tier, databases and a cache, a NAT
 * gateway, a bastion, Windows hosts and batch workers; plus the internet around
 * it (web clients, SaaS APIs, monitoring, NTP, update servers).
 */
export class Estate {
  readonly addrs = new AddressTable();
  readonly enis: Eni[] = [];
  readonly hosts: Host[] = [];
  readonly byRole = new Map<HostRole, Host[]>();
  readonly alloc: PublicIpAllocator;

  /** public addresses (ids) */
  readonly clients: number[];
  readonly saas: number[];
  readonly monitoring: number[];
  readonly ntp: number[];
  readonly updates: number[];
  readonly s3: number[];
  readonly dynamodb: number[];
  /** corporate VPN egress addresses that administer the bastion */
  readonly corp: number[];
  readonly intel: SimIntel;

  constructor(readonly opts: EstateOptions, rng: Prng) {
    this.intel = opts.intel;
    const awsAvoid = AWS_SERVICE_PREFIXES.map((p) => p.cidr);
    this.alloc = new PublicIpAllocator(this.addrs, awsAvoid);
    const base = ipToInt(opts.vpcCidr.split('/')[0] as string);
    const at = (third: number, fourth: number) => ipToString((base + third * 256 + fourth) >>> 0);
    const eniRng = rng.fork('enis');
    const subnet = () => `subnet-${hex(eniRng, 17)}`;
    const subnets = {
      publicA: subnet(), publicB: subnet(), appA: subnet(), appB: subnet(), data: subnet(), corp: subnet(),
    };
    const add = (role: HostRole, name: string, ip: string, subnetId: string, az: string, managed = false) => {
      const eni = this.enis.length;
      this.enis.push({
        interfaceId: `eni-${hex(eniRng, 17)}`,
        subnetId,
        instanceId: managed ? '-' : `i-${hex(eniRng, 17)}`,
        azId: az,
      });
      const host: Host = { role, name, addr: this.addrs.intern(ip, AddrKind.INTERNAL), eni };
      this.hosts.push(host);
      const list = this.byRole.get(role) ?? [];
      list.push(host);
      this.byRole.set(role, list);
      return host;
    };
    add('lb', 'alb-node-a', at(0, 10), subnets.publicA, 'use1-az1', true);
    add('lb', 'alb-node-b', at(1, 10), subnets.publicB, 'use1-az2', true);
    add('nat', 'nat-gw', at(0, 20), subnets.publicA, 'use1-az1', true);
    add('bastion', 'bastion', at(0, 30), subnets.publicA, 'use1-az1');
    for (let i = 0; i < opts.webServers; i++) add('web', `web-${i + 1}`, at(10 + (i % 2), 20 + i), i % 2 ? subnets.appB : subnets.appA, i % 2 ? 'use1-az2' : 'use1-az1');
    for (let i = 0; i < opts.appServers; i++) add('app', `app-${i + 1}`, at(10 + (i % 2), 60 + i), i % 2 ? subnets.appB : subnets.appA, i % 2 ? 'use1-az2' : 'use1-az1');
    add('db', 'postgres-primary', at(20, 10), subnets.data, 'use1-az1');
    add('db', 'postgres-replica', at(20, 11), subnets.data, 'use1-az1');
    add('cache', 'redis', at(20, 20), subnets.data, 'use1-az1');
    for (let i = 0; i < opts.windowsHosts; i++) add('windows', `win-${i + 1}`, at(30, 10 + i), subnets.corp, 'use1-az1');
    for (let i = 0; i < opts.workers; i++) add('worker', `worker-${i + 1}`, at(30, 50 + i), subnets.corp, 'use1-az1');
    add('idle', 'spare-eni-1', at(10, 200), subnets.appA, 'use1-az1');
    add('idle', 'spare-eni-2', at(11, 200), subnets.appB, 'use1-az2');

    // Intel entries are interned first so the allocator can never hand them out.
    for (const ip of [...opts.intel.torExits, ...opts.intel.torRelays, ...opts.intel.miningPools, ...opts.intel.malicious]) {
      this.addrs.intern(ip, AddrKind.INTERNET);
    }
    const pub = rng.fork('public');
    this.clients = this.alloc.many(pub.fork('clients'), opts.clients);
    this.saas = this.alloc.many(pub.fork('saas'), 40);
    this.monitoring = this.alloc.many(pub.fork('monitoring'), 2);
    this.ntp = this.alloc.many(pub.fork('ntp'), 4);
    this.updates = this.alloc.many(pub.fork('updates'), 12);
    this.corp = this.alloc.many(pub.fork('corp'), 3);
    const svc = pub.fork('aws');
    const inPrefix = (cidr: string, service: string, count: number) => {
      const [b, bits] = cidr.split('/');
      const size = 2 ** (32 - Number(bits));
      const out: number[] = [];
      while (out.length < count) {
        const ip = ipToString((ipToInt(b as string) + 1 + svc.int(size - 2)) >>> 0);
        if (!this.addrs.has(ip)) out.push(this.addrs.intern(ip, AddrKind.AWS_GATEWAY_SERVICE, service));
      }
      return out;
    };
    this.s3 = [...inPrefix('52.216.0.0/15', 'S3', 12), ...inPrefix('3.5.0.0/19', 'S3', 4)];
    this.dynamodb = inPrefix('3.218.180.0/22', 'DYNAMODB', 6);
  }

  role(role: HostRole): Host[] {
    return this.byRole.get(role) ?? [];
  }

  /** hosts that carry real workload (everything but idle ENIs and managed LB/NAT ENIs) */
  get instances(): Host[] {
    return this.hosts.filter((h) => h.role !== 'idle' && h.role !== 'lb' && h.role !== 'nat');
  }

  ip(addr: number): string {
    return this.addrs.text[addr] as string;
  }
}

function hex(rng: Prng, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += '0123456789abcdef'[rng.int(16)];
  return s;
}
