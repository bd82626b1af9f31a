import { parseIpv4 } from './ip/ip-address';
import { IpSetList } from './lists/ip-set-list';
import { NO_THREAT_INTEL, ThreatIntel } from './threat-intel';

describe('ThreatIntel', () => {
  it('answers each kind from its own lists and names the custom list that matched', () => {
    const ti = new ThreatIntel({
      torExits: [IpSetList.fromTorBulkExitList('198.51.100.1')],
      torRelays: [IpSetList.parseLines('198.51.100.2:9001', { name: 'relays', kind: 'tor-relay' })],
      miningPools: [IpSetList.parseLines('203.0.113.0/28', { name: 'pools', kind: 'mining-pool' })],
      custom: [
        IpSetList.parseLines('192.0.2.0/24 first', { name: 'a', kind: 'custom' }),
        IpSetList.parseLines('192.0.2.5 second', { name: 'b', kind: 'custom' }),
      ],
    });
    expect(ti.torExit('198.51.100.1')).toBe(true);
    expect(ti.torExit('198.51.100.2')).toBe(false);
    expect(ti.torRelay('198.51.100.2')).toBe(true);
    expect(ti.torRelay('198.51.100.1')).toBe(true); // an exit is a relay
    expect(ti.torRelayPorts('198.51.100.2')).toEqual([9001]);
    expect(ti.miningPool('203.0.113.15')).toBe(true);
    expect(ti.miningPool('203.0.113.16')).toBe(false);
    expect(ti.listed('192.0.2.5')).toEqual({ list: 'a', reason: 'first' });
    expect(ti.listed('10.0.0.1')).toBeNull();
  });

  it('gives the same answers by number (IPv4 uint32) as by text', () => {
    const ti = new ThreatIntel({
      torExits: [IpSetList.fromTorBulkExitList('198.51.100.1')],
      torRelays: [IpSetList.parseLines('198.51.100.2:9001', { name: 'relays', kind: 'tor-relay' })],
      miningPools: [IpSetList.parseLines('203.0.113.0/28', { name: 'pools', kind: 'mining-pool' })],
      custom: [
        IpSetList.parseLines('192.0.2.0/24 first', { name: 'a', kind: 'custom' }),
        IpSetList.parseLines('192.0.2.5 second\n255.255.255.255', { name: 'b', kind: 'custom' }),
      ],
    });
    const bundled = ThreatIntel.bundled();
    const some = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '203.0.113.0', '203.0.113.15', '203.0.113.16', '192.0.2.5', '192.0.2.255', '192.0.3.0', '0.0.0.0', '255.255.255.255', '10.0.0.1', '185.220.101.28'];
    let answers = 0;
    for (const lookup of [ti, bundled]) {
      for (const ip of some) {
        const v = parseIpv4(ip);
        expect([lookup.torExitV4(v), lookup.torRelayV4(v), lookup.miningPoolV4(v), lookup.listedV4(v)]).toEqual([lookup.torExit(ip), lookup.torRelay(ip), lookup.miningPool(ip), lookup.listed(ip)]);
        answers += lookup.torExit(ip) || lookup.torRelay(ip) || lookup.miningPool(ip) || lookup.listed(ip) ? 1 : 0;
      }
    }
    expect(answers).toBeGreaterThanOrEqual(8); // the comparison covers hits, not only misses
  });

  it('ships dated bundled snapshots', () => {
    const ti = ThreatIntel.bundled();
    const info = ti.describe();
    expect(info.map((i) => i.kind).sort()).toEqual(['mining-pool', 'tor-exit', 'tor-relay']);
    for (const i of info) {
      expect(i.asOf).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(i.issues).toBe(0);
    }
    expect(ti.torRelay('131.188.40.189')).toBe(true); // gabelmoo, a directory authority
    expect(ti.torExit('185.220.101.28')).toBe(true);
    expect(ti.torExit('8.8.8.8')).toBe(false);
  });

  it('has a null implementation', () => {
    expect(NO_THREAT_INTEL.torExit('1.1.1.1') || NO_THREAT_INTEL.listed('1.1.1.1')).toBeFalsy();
  });
});
