import { IpSetList, splitHostPort } from './ip-set-list';

describe('IpSetList parsers', () => {
  it('parses custom lists with comments, reasons, CIDRs and bad lines', () => {
    const text = [
      '# acme blocklist, updated daily',
      '203.0.113.7  botnet C2',
      '198.51.100.0/24, scanning range',
      '2001:db8:bad::/48 # v6 range',
      'evil.example.com',
      '',
      '192.0.2.1:8080',
    ].join('\n');
    const l = IpSetList.parseLines(text, { name: 'acme', kind: 'custom' });
    expect(l.size).toBe(4);
    expect(l.lookup('203.0.113.7')?.reason).toBe('botnet C2');
    expect(l.lookup('198.51.100.99')?.reason).toBe('scanning range');
    expect(l.lookup('2001:db8:bad:1::5')?.reason).toBe('v6 range');
    expect(l.lookup('192.0.2.1')?.ports).toEqual([8080]);
    expect(l.issueCount).toBe(1);
    expect(l.issues[0]).toMatchObject({ line: 5, reason: expect.stringContaining('evil.example.com') });
  });

  it('parses the Tor bulk exit list and the TorDNSEL format', () => {
    const bulk = IpSetList.fromTorBulkExitList('185.220.101.1\n185.220.101.2\r\n\n');
    expect(bulk.meta.kind).toBe('tor-exit');
    expect(bulk.has('185.220.101.2')).toBe(true);
    const dnsel = IpSetList.fromTorDnsel(
      'ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2022-01-01 19:47:53\nLastStatus 2022-01-02 04:00:00\nExitAddress 162.247.72.201 2022-01-02 04:20:11\n',
    );
    expect(dnsel.size).toBe(1);
    expect(dnsel.has('162.247.72.201')).toBe(true);
  });

  it('parses Onionoo details into relays (with ORPorts), exits and guards', () => {
    const doc = {
      relays_published: '2026-11-01 10:00:00',
      relays: [
        { nickname: 'g1', or_addresses: ['192.0.2.10:9001', '[2001:db8::10]:9001'], flags: ['Guard', 'Running'], running: true },
        { nickname: 'x1', or_addresses: ['192.0.2.20:443'], exit_addresses: ['192.0.2.21'], flags: ['Exit'], running: true },
        { nickname: 'm1', or_addresses: ['192.0.2.30:9001'], flags: [], running: true },
        { nickname: 'down', or_addresses: ['192.0.2.40:9001'], running: false },
        { nickname: 'bad', or_addresses: ['nope:1'] },
      ],
    };
    const { relays, exits, guards } = IpSetList.fromOnionooDetails(JSON.stringify(doc));
    expect(relays.meta.asOf).toBe('2026-11-01 10:00:00');
    expect(relays.lookup('192.0.2.10')?.ports).toEqual([9001]);
    expect(relays.has('2001:db8::10')).toBe(true);
    expect(relays.has('192.0.2.30')).toBe(true);
    expect(relays.has('192.0.2.40')).toBe(false);
    expect(relays.issueCount).toBe(1);
    expect(exits.has('192.0.2.21')).toBe(true);
    expect(exits.has('192.0.2.20')).toBe(true);
    expect(exits.has('192.0.2.10')).toBe(false);
    expect(guards.has('192.0.2.10')).toBe(true);
    expect(guards.has('192.0.2.30')).toBe(false);
  });

  it('reports a non-Onionoo document instead of throwing', () => {
    const { relays } = IpSetList.fromOnionooDetails('{not json');
    expect(relays.size).toBe(0);
    expect(relays.issueCount).toBe(1);
  });

  it('splits host and port', () => {
    expect(splitHostPort('1.2.3.4:80')).toEqual({ addr: '1.2.3.4', port: 80 });
    expect(splitHostPort('[::1]:443')).toEqual({ addr: '::1', port: 443 });
    expect(splitHostPort('2001:db8::1')).toEqual({ addr: '2001:db8::1' });
  });
});
