import { Prng } from '../random/prng';

/** What kind of place an address is; drives traffic-path and pkt-*-aws-service in v5 records. */
export const AddrKind = { INTERNAL: 0, INTERNET: 1, AWS_GATEWAY_SERVICE: 2 } as const;
export type AddrKindValue = (typeof AddrKind)[keyof typeof AddrKind];

const enc = new TextEncoder();

/**
 * Every address the simulation uses, interned once: the generators pass small
 * integer ids around and the encoders copy pre-encoded bytes, which is what makes
 * tens of millions of records per run affordable.
 */
export class AddressTable {
  readonly text: string[] = [];
  readonly bytes: Uint8Array[] = [];
  readonly kind: AddrKindValue[] = [];
  /** ip-ranges service code for v5 pkt-*-aws-service, '' when none */
  readonly awsService: string[] = [];
  private readonly ids = new Map<string, number>();

  intern(ip: string, kind: AddrKindValue = AddrKind.INTERNET, awsService = ''): number {
    const known = this.ids.get(ip);
    if (known !== undefined) return known;
    const id = this.text.length;
    this.text.push(ip);
    this.bytes.push(enc.encode(ip));
    this.kind.push(kind);
    this.awsService.push(awsService);
    this.ids.set(ip, id);
    return id;
  }

  has(ip: string): boolean {
    return this.ids.has(ip);
  }

  id(ip: string): number | undefined {
    return this.ids.get(ip);
  }

  get size(): number {
    return this.text.length;
  }
}

export function ipToString(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function ipToInt(ip: string): number {
  const p = ip.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

export function inCidr(ip: number, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((ipToInt(base as string) & mask) >>> 0);
}

/**
 * Ranges a random "internet" address must avoid: private, shared, loopback,
 * link-local, documentation (those are reserved for the simulator's threat-intel
 * test lists), benchmarking, multicast and reserved space, plus the AWS service
 * prefixes the estate uses, so that no benign client collides with a labeled entity.
 */
const NOT_INTERNET = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24',
  '203.0.113.0/24', '224.0.0.0/3',
];

export class PublicIpAllocator {
  /** [network, mask] pairs, precomputed: the allocator runs tens of thousands of times per plan */
  private readonly avoid: [number, number][];

  constructor(private readonly table: AddressTable, extraAvoid: readonly string[] = []) {
    this.avoid = [...NOT_INTERNET, ...extraAvoid].map((c) => {
      const [base, bits] = c.split('/');
      const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
      return [(ipToInt(base as string) & mask) >>> 0, mask];
    });
  }

  /** A fresh public IPv4 address never handed out before in this simulation. */
  next(rng: Prng): number {
    for (;;) {
      const n = rng.u32();
      let reserved = false;
      for (const [net, mask] of this.avoid) {
        if (((n & mask) >>> 0) === net) {
          reserved = true;
          break;
        }
      }
      if (reserved) continue;
      const ip = ipToString(n);
      if (this.table.has(ip)) continue;
      return this.table.intern(ip, AddrKind.INTERNET);
    }
  }

  many(rng: Prng, count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.next(rng));
    return out;
  }
}
