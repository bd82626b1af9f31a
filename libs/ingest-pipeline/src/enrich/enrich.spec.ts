import { batchFromRecords, Mark, recordAt, type FlowRecord } from '@flowguard/contracts';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import type { EniMetadata, EniMetadataProvider, ReverseDnsResolver } from './enrich.port';
import { FlowEnricher, isPrivateAddress, sanitizePtr } from './flow.enricher';
import { ThreatIntelMemo, markThreatIntel } from './threat-intel.marker';

const r = (o: Partial<FlowRecord>): FlowRecord => ({
  accountId: '111122223333', interfaceId: 'eni-a', srcAddr: '10.0.0.5', dstAddr: '198.51.100.7', srcPort: 40000, dstPort: 443,
  protocol: 6, packets: 5, bytes: 500, start: 1, end: 60, action: 'ACCEPT', logStatus: 'OK', ...o,
});

const ti: ThreatIntelLookup = {
  torExit: (ip) => ip === '185.220.101.1',
  torRelay: (ip) => ip === '185.220.101.1' || ip === '51.15.0.9',
  miningPool: (ip) => ip === '94.130.12.30',
  listed: (ip) => (ip === '203.0.113.66' ? { list: 'partner-blocklist' } : null),
};

describe('markThreatIntel', () => {
  it('marks sources and destinations, including pkt-* peers behind NAT, and records the list name', () => {
    const b = batchFromRecords([
      r({ srcAddr: '185.220.101.1', dstAddr: '10.0.0.5' }),
      r({ dstAddr: '94.130.12.30' }),
      r({ dstAddr: '10.0.9.9', fields: { 'pkt-dstaddr': '203.0.113.66' } }),
      r({}),
    ]);
    const c = markThreatIntel(b, ti);
    expect(b.marks[0]).toBe(Mark.SRC_TOR_EXIT | Mark.SRC_TOR_RELAY);
    expect(b.marks[1]).toBe(Mark.DST_MINING_POOL);
    expect(b.marks[2]).toBe(Mark.DST_THREAT_LIST);
    expect(b.textValue('dst-threat-list', 2)).toBe('partner-blocklist');
    expect(b.marks[3]).toBe(0);
    expect(c).toMatchObject({ rows: 3, torExit: 1, torRelay: 1, miningPool: 1, listed: 1, degraded: 0 });
  });

  it('marks rows ENRICH_DEGRADED when the lookup throws, and does not throw itself', () => {
    const b = batchFromRecords([r({}), r({})]);
    const c = markThreatIntel(b, { ...ti, torExit: () => { throw new Error('list not loaded'); } });
    expect(c.degraded).toBe(2);
    expect(b.marks[0]! & Mark.ENRICH_DEGRADED).toBeTruthy();
  });

  it('with a memo, asks the numeric lookups once per address across batches and marks exactly as without it', () => {
    const ip = (t: string) => t.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const calls: number[] = [];
    const numeric: ThreatIntelLookup = {
      ...ti,
      torExitV4: (v) => (calls.push(v), v === ip('185.220.101.1')),
      torRelayV4: (v) => v === ip('185.220.101.1') || v === ip('51.15.0.9'),
      miningPoolV4: (v) => v === ip('94.130.12.30'),
      listedV4: (v) => (v === ip('203.0.113.66') ? { list: 'partner-blocklist' } : null),
    };
    const rows = () => [
      r({ srcAddr: '185.220.101.1', dstAddr: '10.0.0.5' }), r({ dstAddr: '94.130.12.30' }),
      r({ dstAddr: '10.0.9.9', fields: { 'pkt-dstaddr': '203.0.113.66' } }), r({ srcAddr: '51.15.0.9' }), r({}),
    ];
    // a memo small enough to empty itself on the way
    const memo = new ThreatIntelMemo(numeric, 3);
    for (let k = 0; k < 3; k++) {
      const plain = batchFromRecords(rows());
      const memoized = batchFromRecords(rows());
      const want = markThreatIntel(plain, numeric);
      expect(markThreatIntel(memoized, numeric, memo)).toEqual(want);
      expect(Array.from(memoized.marks)).toEqual(Array.from(plain.marks));
      expect(memoized.textValue('dst-threat-list', 2)).toBe('partner-blocklist');
    }
    const perBatch = calls.length / 6;
    expect(perBatch).toBeGreaterThan(0);
    // a memo with room asks once per address, whatever the number of batches
    calls.length = 0;
    const big = new ThreatIntelMemo(numeric);
    for (let k = 0; k < 3; k++) markThreatIntel(batchFromRecords(rows()), numeric, big);
    expect(calls.length).toBe(perBatch);
    // a memo of another lookup is not used
    calls.length = 0;
    markThreatIntel(batchFromRecords(rows()), numeric, new ThreatIntelMemo(ti));
    expect(calls.length).toBe(perBatch);
  });
});

describe('FlowEnricher', () => {
  const meta: EniMetadata = { interfaceId: 'eni-a', instanceId: 'i-1', interfaceType: 'interface', description: 'web', securityGroups: ['sg-1', 'sg-2'], tags: { env: 'prod', team: 'web' } };
  let clock = 1_000_000;
  const now = () => clock;

  it('adds country, ENI metadata and PTR names, caching each source', async () => {
    const eniCalls: string[][] = [];
    const dnsCalls: string[] = [];
    const eni: EniMetadataProvider = { describe: async (ids) => (eniCalls.push([...ids]), new Map([['eni-a', meta]])) };
    const dns: ReverseDnsResolver = { reverse: async (ip) => (dnsCalls.push(ip), ip === '198.51.100.7' ? ['host-7.example.net.'] : []) };
    const e = new FlowEnricher({ geo: { country: (ip) => (ip.startsWith('198.51.') ? 'NL' : undefined) }, eni, dns, now });
    const b = batchFromRecords([r({}), r({ interfaceId: 'eni-gone', dstAddr: '192.0.2.1' })]);
    const c = await e.enrich(b);
    expect(recordAt(b, 0).fields).toMatchObject({
      'dst-country': 'NL', 'eni-instance-id': 'i-1', 'eni-type': 'interface', 'eni-description': 'web',
      'eni-security-groups': 'sg-1,sg-2', tags: 'env=prod,team=web', 'dst-ptr': 'host-7.example.net',
    });
    expect(recordAt(b, 1).fields?.['eni-instance-id']).toBeUndefined();
    expect(b.marks[0]! & Mark.ENRICHED).toBeTruthy();
    expect(c).toMatchObject({ enriched: 2, degraded: 0, eni: { hits: 1, misses: 1 }, dns: { lookups: 2, names: 1 } });
    // private addresses are never looked up
    expect(dnsCalls.sort()).toEqual(['192.0.2.1', '198.51.100.7']);
    await e.enrich(batchFromRecords([r({})]));
    expect(eniCalls).toHaveLength(1);
    expect(dnsCalls).toHaveLength(2);
  });

  it('adds the autonomous system of public peers; a failing ASN table degrades the rows but keeps them', async () => {
    const asn = { asn: (ip: string) => (ip.startsWith('198.51.') ? { asn: 64500, org: 'Example, "Net" BV' } : undefined) };
    const b = batchFromRecords([r({}), r({ srcAddr: '10.0.0.9', dstAddr: '10.0.0.10' })]);
    const c = await new FlowEnricher({ asn, now }).enrich(b);
    expect(recordAt(b, 0).fields).toMatchObject({ 'dst-asn': '64500', 'dst-as-org': 'Example, "Net" BV' });
    expect(recordAt(b, 0).fields?.['src-asn']).toBeUndefined();
    expect(recordAt(b, 1).fields?.['dst-asn']).toBeUndefined();
    expect(c).toMatchObject({ enriched: 2, degraded: 0, asn: { hits: 1, failures: 0 } });

    const broken = batchFromRecords([r({})]);
    const d = await new FlowEnricher({ asn: { asn: () => { throw new Error('table gone'); } }, now }).enrich(broken);
    expect(d).toMatchObject({ degraded: 1, asn: { failures: 1 } });
    expect(broken.marks[0]! & Mark.ENRICH_DEGRADED).toBeTruthy();
  });

  it('marks rows ENRICH_DEGRADED when EC2 or DNS fail, keeps them, and backs off from a failing EC2', async () => {
    let eniCalls = 0;
    const e = new FlowEnricher({
      eni: { describe: async () => { eniCalls++; throw new Error('EC2 unreachable'); } },
      dns: { reverse: async (ip) => { if (ip === '198.51.100.7') throw new Error('SERVFAIL'); return []; } },
      now,
    });
    const b = batchFromRecords([r({}), r({ interfaceId: undefined, dstAddr: '10.0.0.9' })]);
    const c = await e.enrich(b);
    expect(b.length).toBe(2);
    expect(b.marks[0]! & Mark.ENRICH_DEGRADED).toBeTruthy();
    expect(b.marks[1]! & Mark.ENRICHED).toBeTruthy();
    expect(c).toMatchObject({ degraded: 1, enriched: 1, eni: { failures: 1 }, dns: { failures: 1 } });
    await e.enrich(batchFromRecords([r({})]));
    expect(eniCalls).toBe(1);
    clock += 31_000;
    await e.enrich(batchFromRecords([r({})]));
    expect(eniCalls).toBe(2);
  });

  it('bounds DNS: timeouts degrade, the rate limit and the batch budget skip without blocking', async () => {
    const slow: ReverseDnsResolver = { reverse: () => new Promise(() => undefined) };
    const e = new FlowEnricher({ dns: slow, dnsTimeoutMs: 20, dnsBatchBudgetMs: 1000, now });
    const b = batchFromRecords([r({})]);
    const c = await e.enrich(b);
    expect(c.dns.failures).toBe(1);
    expect(b.marks[0]! & Mark.ENRICH_DEGRADED).toBeTruthy();

    const limited = new FlowEnricher({ dns: { reverse: async () => [] }, dnsPerSecond: 2, now: () => 5 });
    const many = batchFromRecords(Array.from({ length: 10 }, (_, i) => r({ dstAddr: `198.51.100.${i + 1}` })));
    const lc = await limited.enrich(many);
    expect(lc.dns).toMatchObject({ lookups: 2, rateLimited: 8 });
    expect(lc.degraded).toBe(0);

    const budget = new FlowEnricher({ dns: slow, dnsTimeoutMs: 5000, dnsBatchBudgetMs: 30, now });
    // the lookup never answers and its timeout is 5 s: only the 30 ms batch budget lets enrich() return
    const bc = await budget.enrich(batchFromRecords([r({})]));
    expect(bc.dns.overBudget).toBe(1);
    expect(bc.degraded).toBe(0);
  });

  it('classifies private addresses and neutralises PTR text', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', 'fd00::1', 'fe80::1', '::1', 'ff02::1', 'garbage']) expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2a00:1450::1']) expect(isPrivateAddress(ip)).toBe(false);
    expect(sanitizePtr('evil\u0007.example.com.\n<script>')).toBe('evil.example.com.<script>');
    expect(sanitizePtr('a'.repeat(400))).toHaveLength(253);
  });
});
