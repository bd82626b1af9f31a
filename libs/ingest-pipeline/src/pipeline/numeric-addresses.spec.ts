/**
 * The ingest stages read IPv4 addresses by number from the string table's
 * view (StringTable.ipv4Values) and fall back to text for everything else.
 * Whatever made the batch (the parser's lazy table, a codec round trip,
 * batchFromRecords) and whichever lookup entry points exist, the marks, the
 * filter's decisions and the enrichment's public/private split must be the same.
 */
import { batchFromRecords, decodeFlowBatch, encodeFlowBatch, recordAt, type FlowBatch } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { IpSetList, ThreatIntel, type ThreatIntelLookup } from '@flowguard/threat-intel';
import { FlowEnricher } from '../enrich/flow.enricher';
import { markThreatIntel } from '../enrich/threat-intel.marker';
import { buildAwsIpRanges } from '../filter/aws-ip-ranges';
import { parseIPv4 } from '../filter/ip-address';
import { fnvIPv4, NoiseFilter, type NoiseFilterConfig } from '../filter/noise.filter';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status pkt-srcaddr pkt-dstaddr tcp-flags flow-direction';

const ranges = buildAwsIpRanges({
  prefixes: [
    { ip_prefix: '52.216.0.0/15', service: 'S3' }, { ip_prefix: '3.0.0.0/9', service: 'EC2' },
    { ip_prefix: '107.23.255.0/26', service: 'ROUTE53_HEALTHCHECKS' },
  ],
  ipv6_prefixes: [{ ipv6_prefix: '2600:1f18::/33', service: 'DYNAMODB' }],
});
const lists = () => new ThreatIntel({
  torExits: [IpSetList.fromTorBulkExitList('198.51.100.1')],
  torRelays: [IpSetList.parseLines('198.51.100.2:9001', { name: 'relays', kind: 'tor-relay' })],
  miningPools: [IpSetList.parseLines('203.0.113.0/28', { name: 'pools', kind: 'mining-pool' })],
  custom: [
    IpSetList.parseLines('192.0.2.0/24 test net', { name: 'blocklist', kind: 'custom' }),
    IpSetList.parseLines('2001:db8::/32', { name: 'v6list', kind: 'custom' }),
  ],
});
/** the same lists through the text entry points only */
const textOnly = (ti: ThreatIntelLookup): ThreatIntelLookup => ({
  torExit: (ip) => ti.torExit(ip), torRelay: (ip) => ti.torRelay(ip), miningPool: (ip) => ti.miningPool(ip), listed: (ip) => ti.listed(ip),
});

const config = (extra: Partial<NoiseFilterConfig> = {}): NoiseFilterConfig => ({
  awsServices: { ranges },
  healthChecks: { lbCidrs: ['10.0.5.0/24', '2600:1f18:1::/48'], lbEnis: ['eni-lb'], ports: [8080] },
  allowList: [
    { id: 'backup', owner: 'spec', reason: 'rsync', match: { srcCidr: '10.66.0.0/24', port: 873 } },
    { id: 'eni', owner: 'spec', reason: 'scanner', match: { eni: 'eni-allow' } },
  ],
  storageSampling: { rate: 0.4, seed: 'spec' },
  ...extra,
});

function lines(n: number, pools: { src: string[]; dst: string[]; enis: string[] }): string {
  let x = 12345;
  const rnd = (k: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % k;
  };
  const pick = (a: string[]) => a[rnd(a.length)] as string;
  const out = [HEADER];
  for (let i = 0; i < n; i++) {
    const src = pick(pools.src);
    const dst = pick(pools.dst);
    const status = rnd(50) === 0 ? 'NODATA' : 'OK';
    const small = rnd(2) === 0;
    const flags = [2, 4, 18, 19, 3][rnd(5)];
    if (status === 'NODATA') {
      out.push(`2 123456789012 ${pick(pools.enis)} - - - - - - - 1700000000 1700000060 - NODATA - - - -`);
      continue;
    }
    const pkt = rnd(4) === 0 ? pick(pools.dst) : '-';
    out.push([
      2, '123456789012', pick(pools.enis), src, dst, [873, 8080, 40000 + rnd(100)][rnd(3)], [443, 8080, 873, 22][rnd(4)], 6,
      small ? 1 + rnd(5) : 100 + rnd(1e5), small ? 40 + rnd(4000) : 2e7 + rnd(1e6), 1700000000 + rnd(600), 1700000660,
      rnd(8) === 0 ? 'REJECT' : 'ACCEPT', status, rnd(3) === 0 ? pick(pools.src) : '-', pkt, flags, rnd(2) === 0 ? 'ingress' : 'egress',
    ].join(' '));
  }
  return `${out.join('\n')}\n`;
}

const v4Pool = {
  src: ['10.0.1.5', '10.0.5.10', '10.66.0.5', '107.23.255.10', '52.217.4.4', '3.1.2.3', '8.8.8.8', '198.51.100.1', '0.0.0.0', '255.255.255.255', '172.16.0.1'],
  dst: ['10.0.2.9', '10.0.5.11', '52.216.0.1', '198.51.100.2', '203.0.113.15', '203.0.113.16', '192.0.2.77', '1.1.1.1', '100.64.0.1', '224.0.0.1'],
  enis: ['eni-app', 'eni-lb', 'eni-allow'],
};
const mixedPool = {
  src: [...v4Pool.src, '2600:1f18::9', '2600:1f18:1::5', '2001:db8::5', 'fe80::1', '::ffff:198.51.100.1'],
  dst: [...v4Pool.dst, '2600:1f18::10', '2001:db8:1::1', 'fd00::1'],
  enis: v4Pool.enis,
};

interface Outcome {
  threat: unknown;
  filter: unknown;
  marks: number[];
  detection: string[];
  storage: string[];
  public: string[];
}

async function stages(batch: FlowBatch, ti: ThreatIntelLookup, cfg: NoiseFilterConfig): Promise<Outcome> {
  const threat = markThreatIntel(batch, ti);
  const res = new NoiseFilter(cfg).apply(batch, Date.parse('2026-11-21T00:00:00Z'));
  const asked: string[] = [];
  await new FlowEnricher({ geo: { country: (ip) => (asked.push(ip), undefined) } }).enrich(res.detection);
  const rows = (b: FlowBatch) => Array.from({ length: b.length }, (_, i) => {
    const r = recordAt(b, i);
    return `${r.srcAddr}|${r.dstAddr}|${r.srcPort}|${r.dstPort}|${r.start}|${b.marks[i]}|${b.textValue('src-threat-list', i)}|${b.textValue('dst-threat-list', i)}`;
  });
  // the view the stages used holds, for every address of the batch, what its text parses to
  const view = batch.strings.ipv4Values();
  const wrong: string[] = [];
  for (let i = 0; i < batch.length; i++) {
    for (const id of [batch.srcAddr[i] as number, batch.dstAddr[i] as number]) {
      if (view[id] !== parseIPv4(batch.strings.get(id))) wrong.push(`${i}:${batch.strings.get(id)}=${view[id]}`);
    }
  }
  expect(wrong).toEqual([]);
  return { threat, filter: res.counts, marks: Array.from(batch.marks.subarray(0, batch.length)), detection: rows(res.detection), storage: rows(res.storage), public: asked.sort() };
}

describe('ingest stages on numeric IPv4 (string table view)', () => {
  for (const [name, pool] of [['IPv4 only', v4Pool], ['IPv4 and IPv6', mixedPool]] as const) {
    it(`give the same marks, filter decisions and enrichment on parsed, decoded and record-built batches (${name})`, async () => {
      const text = lines(500, pool);
      const parse = () => {
        const r = parseFlowLogText(text);
        expect(r.errors).toEqual([]);
        return r.batch;
      };
      const fromRecords = () => {
        const b = parse();
        return batchFromRecords(Array.from({ length: b.length }, (_, i) => recordAt(b, i)));
      };
      const ti = lists();
      const reference = await stages(parse(), textOnly(ti), config());
      // the batches exercise every rule, so equal outcomes mean something
      const f = reference.filter as { droppedFromDetection: Record<string, number>; sampledOutOfStorage: Record<string, number>; marked: { healthCheck: number } };
      expect([f.droppedFromDetection['allow_list'], f.droppedFromDetection['aws_service']].every((v) => (v as number) > 0)).toBe(true);
      expect(Object.values(f.sampledOutOfStorage).every((v) => v > 0)).toBe(true);
      expect(f.marked.healthCheck).toBeGreaterThan(0);
      expect(reference.threat).toMatchObject({ torExit: expect.any(Number), listed: expect.any(Number) });
      expect((reference.threat as { torExit: number; torRelay: number; miningPool: number; listed: number }).listed).toBeGreaterThan(0);
      expect(reference.public.length).toBeGreaterThan(0);
      for (const [label, make] of [['parsed', parse], ['decoded', () => decodeFlowBatch(encodeFlowBatch(parse()))], ['records', fromRecords]] as const) {
        for (const lookup of [ti, textOnly(ti)]) {
          expect([label, await stages(make(), lookup, config())]).toEqual([label, reference]);
        }
      }
    });
  }

  it('creates no string of a parsed batch for IPv4 marks, AWS/LB/allow-list rules, sampling and the public/private split', async () => {
    const text = lines(1000, v4Pool);
    const cleanLists = new ThreatIntel({ torExits: [IpSetList.fromTorBulkExitList('198.18.0.1')], custom: [IpSetList.parseLines('198.18.0.0/24', { name: 'x', kind: 'custom' })] });
    // no ENI rules: those compare ENI ids as text
    const cfg = config({ allowList: [{ id: 'backup', owner: 'spec', reason: 'rsync', match: { srcCidr: '10.66.0.0/24', port: 873 } }], healthChecks: { lbCidrs: ['10.0.5.0/24'], ports: [8080] } });
    const batch = parseFlowLogText(text).batch;
    const reads = jest.spyOn(batch.strings, 'get');
    const interns = jest.spyOn(batch.strings, 'intern');
    markThreatIntel(batch, cleanLists);
    const res = new NoiseFilter(cfg).apply(batch, Date.parse('2026-11-21T00:00:00Z'));
    await new FlowEnricher({}).enrich(res.detection);
    expect(reads).not.toHaveBeenCalled();
    expect(interns).not.toHaveBeenCalled();
    expect(res.counts.droppedFromDetection.allow_list + res.counts.droppedFromDetection.aws_service).toBeGreaterThan(0);
    expect(res.counts.sampledOutOfStorage.aws_service).toBeGreaterThan(0);
    // and the same decisions as on the decoded batch (whose strings exist)
    const decoded = decodeFlowBatch(encodeFlowBatch(parseFlowLogText(text).batch));
    markThreatIntel(decoded, cleanLists);
    expect(new NoiseFilter(cfg).apply(decoded, Date.parse('2026-11-21T00:00:00Z')).counts).toEqual(res.counts);
    expect(Array.from(decoded.marks.subarray(0, decoded.length))).toEqual(Array.from(batch.marks.subarray(0, batch.length)));
  });

  it('hashes an IPv4 value for storage sampling exactly as its text (sampled flows stay sampled across versions)', () => {
    const fnvText = (h: number, s: string) => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    for (const ip of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.22.133.4', '100.10.1.99', '9.99.199.250']) {
      const v = ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
      for (const seed of [0x811c9dc5, 12345, 0xffffffff]) expect(fnvIPv4(seed, v)).toBe(fnvText(seed, ip));
    }
  });
});
