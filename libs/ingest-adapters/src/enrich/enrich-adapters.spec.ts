import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { MmdbGeoLookup } from './mmdb-geo.lookup';
import { NodeReverseDnsResolver } from './node-reverse-dns.resolver';

describe('MmdbGeoLookup (bundled NRO country database)', () => {
  it('resolves public IPv4 and IPv6 addresses to countries, nothing for private or invalid ones', async () => {
    const geo = await MmdbGeoLookup.open();
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('2a00:1450::1')).toMatch(/^[A-Z]{2}$/);
    expect(geo.country('10.0.0.1')).toBeUndefined();
    expect(geo.country('not an ip')).toBeUndefined();
  });
});

/** A loopback DNS server answering PTR queries from a table (NXDOMAIN otherwise), or never answering. */
function dnsServer(answers: Record<string, string>, silent = false): Promise<Socket> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    if (silent) return;
    // question name starts at 12: labels until 0
    let off = 12;
    const labels: string[] = [];
    while (msg[off]) {
      const len = msg[off] as number;
      labels.push(msg.subarray(off + 1, off + 1 + len).toString());
      off += len + 1;
    }
    const qEnd = off + 5;
    const name = labels.join('.');
    const target = answers[name];
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(target ? 0x8180 : 0x8183, 2); // response, RD, RA, rcode 0 or 3 (NXDOMAIN)
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(target ? 1 : 0, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const parts = [header, msg.subarray(12, qEnd)];
    if (target) {
      const rdata = Buffer.concat([...target.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(12, 2); // PTR
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  });
  return new Promise((r) => sock.bind(0, '127.0.0.1', () => r(sock)));
}

describe('NodeReverseDnsResolver against a loopback DNS server', () => {
  it('returns PTR names, [] for NXDOMAIN, and throws on a timeout', async () => {
    const server = await dnsServer({ '7.100.51.198.in-addr.arpa': 'host-7.example.net' });
    const silent = await dnsServer({}, true);
    try {
      const r = new NodeReverseDnsResolver({ servers: [`127.0.0.1:${(server.address() as AddressInfo).port}`] });
      expect(await r.reverse('198.51.100.7')).toEqual(['host-7.example.net']);
      expect(await r.reverse('198.51.100.8')).toEqual([]);
      const t = new NodeReverseDnsResolver({ servers: [`127.0.0.1:${(silent.address() as AddressInfo).port}`], timeoutMs: 100 });
      await expect(t.reverse('198.51.100.7')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    } finally {
      server.close();
      silent.close();
    }
  });
});
