import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadIngestConfig } from '../ingest.config';
import { configProblems } from '../testing/config-problems';

const dir = mkdtempSync(join(tmpdir(), 'fg-ingest-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const entry = { id: 'backup', owner: 'ops', reason: 'nightly backup', match: { srcCidr: '10.1.0.0/24' } };

const problems = configProblems;

describe('ingest pipeline configuration', () => {
  it('defaults: filter in mark mode with the AWS ip-ranges URL, bundled threat lists, geo on, EC2 and rDNS off, local Parquet, no OpenSearch', () => {
    const c = loadIngestConfig({}).pipeline;
    expect(c.filter).toMatchObject({ enabled: true, healthCheckMode: 'mark', storageSampleRate: 0.01, ipRanges: 'bundled', ipRangesRefreshMs: 86_400_000, lbCidrs: [], lbEnis: [] });
    expect(c.threatIntel).toEqual({ torExits: [], torRelays: [], miningPools: [], custom: [] });
    expect(c.enrichment).toEqual({ geo: true, asn: {} });
    expect(c.storage.parquet).toMatchObject({ kind: 'local', dir: resolve('.flowguard/data/flows'), retentionDays: 90, maxFileAgeMs: 300_000 });
    expect(c.storage.opensearch).toBeUndefined();
  });

  it('puts Parquet under FLOWGUARD_DATA_DIR (the embedded store\'s directory) unless FLOWS_DIR says otherwise', () => {
    expect(loadIngestConfig({}, { FLOWGUARD_DATA_DIR: '/var/fg' }).pipeline.storage.parquet).toMatchObject({ kind: 'local', dir: '/var/fg/flows' });
    expect(loadIngestConfig({ FLOWS_DIR: '/data/flows' }, { FLOWGUARD_DATA_DIR: '/var/fg' }).pipeline.storage.parquet).toMatchObject({ dir: '/data/flows' });
    expect(loadIngestConfig({ FLOWS_PARQUET: 'false' }).pipeline.storage.parquet).toBeUndefined();
  });

  it('reads every variable into the typed config', () => {
    const allow = file('allow.json', JSON.stringify({ entries: [entry] }));
    const c = loadIngestConfig({
      INGEST_FILTER: 'true', INGEST_ALLOW_LIST_FILE: allow, INGEST_HEALTH_CHECK_MODE: 'drop', INGEST_LB_CIDRS: '10.0.5.0/24, 10.0.6.7',
      INGEST_LB_ENIS: 'eni-0abc,eni-0def', INGEST_HEALTH_CHECK_PORTS: '80,8080', INGEST_STORAGE_SAMPLE_RATE: '0.05', INGEST_IP_RANGES: 'bundled',
      INGEST_IP_RANGES_REFRESH_MS: '3600000', INGEST_RELOAD_MS: '0', INGEST_THREAT_INTEL: 'false', INGEST_GEO: 'false',
      INGEST_ENI_METADATA: 'true', EC2_ENDPOINT: 'http://127.0.0.1:15000', INGEST_REVERSE_DNS: 'yes', INGEST_DNS_SERVERS: '10.0.0.2,10.0.0.3:53',
      INGEST_DNS_PER_SECOND: '20', INGEST_DNS_TIMEOUT_MS: '300', FLOWS_S3_BUCKET: 'flow-archive', FLOWS_S3_PREFIX: 'vpc/', S3_ENDPOINT: 'http://127.0.0.1:14568',
      FLOWS_RETENTION_DAYS: '400', FLOWS_MAX_FILE_AGE_MS: '60000', FLOWS_OPENSEARCH_URL: 'https://search.internal:9200', FLOWS_OPENSEARCH_USERNAME: 'fg',
      FLOWS_OPENSEARCH_PASSWORD: 'secret', FLOWS_OPENSEARCH_PREFIX: 'acme-flows', FLOWS_OPENSEARCH_REPLICAS: '0', FLOWS_OPENSEARCH_RETENTION_DAYS: '7',
      AWS_REGION: 'eu-west-1',
    }).pipeline;
    expect(c.filter).toEqual({
      enabled: true, allowListFile: allow, healthCheckMode: 'drop', lbCidrs: ['10.0.5.0/24', '10.0.6.7'], lbEnis: ['eni-0abc', 'eni-0def'],
      healthCheckPorts: [80, 8080], storageSampleRate: 0.05, ipRanges: 'bundled', ipRangesRefreshMs: 3_600_000, reloadMs: 0,
    });
    expect(c.threatIntel).toBeUndefined();
    expect(c.enrichment).toEqual({
      geo: false, asn: false, eniMetadata: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:15000' },
      reverseDns: { servers: ['10.0.0.2', '10.0.0.3:53'], perSecond: 20, timeoutMs: 300 },
    });
    expect(c.storage).toEqual({
      parquet: { kind: 's3', bucket: 'flow-archive', prefix: 'vpc/', s3Region: 'eu-west-1', endpoint: 'http://127.0.0.1:14568', retentionDays: 400, maxFileAgeMs: 60_000, region: 'eu-west-1' },
      opensearch: { url: 'https://search.internal:9200', prefix: 'acme-flows', replicas: 0, retentionDays: 7, auth: { username: 'fg', password: 'secret' } },
    });
    expect(loadIngestConfig({
      INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', FLOWS_OPENSEARCH_URL: 'https://search-flows.eu-west-1.es.amazonaws.com', FLOWS_OPENSEARCH_AWS_SIGV4: 'es', AWS_REGION: 'eu-west-1',
    }).pipeline.storage.opensearch).toMatchObject({ sigv4: { region: 'eu-west-1', service: 'es' } });
  });

  it('ASN goes with geo and may name other range tables, which must exist', () => {
    const v4 = file('asn4.csv', '16777216,16777471,13335,"Cloudflare, Inc."\n');
    expect(loadIngestConfig({ INGEST_ASN_IPV4_CSV: v4 }).pipeline.enrichment.asn).toEqual({ ipv4: v4 });
    expect(loadIngestConfig({ INGEST_ASN: 'false' }).pipeline.enrichment.asn).toBe(false);
    expect(loadIngestConfig({ INGEST_GEO: 'false' }).pipeline.enrichment.asn).toBe(false);
    expect(problems({ INGEST_ASN_IPV6_CSV: join(dir, 'missing.csv') })).toEqual([`INGEST_ASN_IPV6_CSV: ${join(dir, 'missing.csv')} is not a readable file`]);
  });

  it('names every bad variable at once', () => {
    const p = problems({
      INGEST_HEALTH_CHECK_MODE: 'block', INGEST_STORAGE_SAMPLE_RATE: '2', INGEST_LB_ENIS: 'lb-1', INGEST_HEALTH_CHECK_PORTS: '80,http',
      INGEST_IP_RANGES_REFRESH_MS: '1000', FLOWS_OPENSEARCH_URL: 'search:9200', FLOWS_RETENTION_DAYS: '0',
    });
    expect(p.map((x) => x.split(':')[0]).sort()).toEqual([
      'FLOWS_OPENSEARCH_URL', 'FLOWS_RETENTION_DAYS', 'INGEST_HEALTH_CHECK_MODE', 'INGEST_HEALTH_CHECK_PORTS', 'INGEST_IP_RANGES_REFRESH_MS', 'INGEST_LB_ENIS', 'INGEST_STORAGE_SAMPLE_RATE',
    ]);
  });

  it('checks the rules across variables', () => {
    expect(problems({ INGEST_ENI_METADATA: 'true' })).toEqual([expect.stringMatching(/^INGEST_ENI_METADATA=true requires EC2 access/)]);
    expect(problems({ FLOWS_OPENSEARCH_URL: 'http://127.0.0.1:19200', FLOWS_OPENSEARCH_USERNAME: 'fg' })).toEqual(['FLOWS_OPENSEARCH_USERNAME and FLOWS_OPENSEARCH_PASSWORD go together']);
    expect(problems({ FLOWS_OPENSEARCH_URL: 'https://search-x.eu-west-1.es.amazonaws.com', FLOWS_OPENSEARCH_AWS_SIGV4: 'es' }))
      .toEqual(['FLOWS_OPENSEARCH_AWS_SIGV4 requires AWS_REGION (the region of the domain)']);
    expect(problems({ FLOWS_OPENSEARCH_URL: 'https://x', AWS_REGION: 'eu-west-1', FLOWS_OPENSEARCH_AWS_SIGV4: 'es', FLOWS_OPENSEARCH_USERNAME: 'a', FLOWS_OPENSEARCH_PASSWORD: 'b' }))
      .toEqual(['FLOWS_OPENSEARCH_AWS_SIGV4 and FLOWS_OPENSEARCH_USERNAME/PASSWORD exclude each other']);
    expect(problems({ FLOWS_OPENSEARCH_URL: 'https://x', AWS_REGION: 'eu-west-1', FLOWS_OPENSEARCH_AWS_SIGV4: 'iam' }).map((p) => p.split(':')[0])).toEqual(['FLOWS_OPENSEARCH_AWS_SIGV4']);
    expect(problems({ FLOWS_S3_BUCKET: 'flow-archive' })).toEqual(['FLOWS_S3_BUCKET requires AWS_REGION']);
    expect(problems({ FLOWS_S3_BUCKET: 'flow-archive', FLOWS_PARQUET: 'false', AWS_REGION: 'us-east-1' })).toEqual([expect.stringMatching(/^FLOWS_S3_BUCKET is set but FLOWS_PARQUET=false/)]);
  });

  it('reads the files the variables name at boot, and refuses bad ones naming the variable', () => {
    expect(problems({ INGEST_LB_CIDRS: '10.0.0.0/33,lb.internal' })).toEqual([
      'INGEST_LB_CIDRS: "10.0.0.0/33" is not an address or CIDR', 'INGEST_LB_CIDRS: "lb.internal" is not an address or CIDR',
    ]);
    expect(problems({ INGEST_ALLOW_LIST_FILE: join(dir, 'missing.json') })).toEqual([expect.stringMatching(/^INGEST_ALLOW_LIST_FILE: .*missing\.json: cannot read: ENOENT/)]);
    expect(problems({ INGEST_IP_RANGES: file('ranges.json', '{"prefixes": 3}') })).toEqual([expect.stringMatching(/^INGEST_IP_RANGES: ip-ranges.json: prefixes/)]);
    expect(problems({ INGEST_IP_RANGES: join(dir, 'nope.json') })).toEqual([expect.stringMatching(/^INGEST_IP_RANGES: cannot read/)]);
    expect(problems({ INGEST_TOR_EXIT_LISTS: join(dir, 'exits.txt') })).toEqual([expect.stringMatching(/^INGEST_TOR_EXIT_LISTS: cannot read .*exits\.txt: ENOENT/)]);
    expect(problems({ INGEST_THREAT_LISTS: file('iocs.txt', 'not-an-ip\nalso bad\n') })).toEqual([expect.stringMatching(/^INGEST_THREAT_LISTS: .*iocs\.txt has no usable address \(2 bad lines/)]);
    expect(problems({ INGEST_GEO_MMDB: join(dir, 'geo.mmdb') })).toEqual([expect.stringMatching(/^INGEST_GEO_MMDB: .* is not a readable file/)]);
    // a threat list with a few bad lines among good ones is accepted (the bad lines are counted in the stats)
    expect(() => loadIngestConfig({ INGEST_THREAT_LISTS: file('mixed.txt', '203.0.113.9 # c2\nnonsense\n') })).not.toThrow();
  });

  describe('allow-list file', () => {
    const bad = (entries: unknown) => problems({ INGEST_ALLOW_LIST_FILE: file(`allow-${Math.random()}.json`, JSON.stringify(entries)) })[0];

    it('accepts an array or { entries }, with expiry dates', () => {
      for (const doc of [[entry], { entries: [{ ...entry, expiresAt: '2030-01-01T00:00:00Z' }] }]) {
        expect(() => loadIngestConfig({ INGEST_ALLOW_LIST_FILE: file(`ok-${Math.random()}.json`, JSON.stringify(doc)) })).not.toThrow();
      }
    });

    it('refuses entries without owner or reason, empty matches, typos and wrong types', () => {
      expect(bad({ nope: [] })).toMatch(/must be an array of entries or \{ "entries": \[\.\.\.\] \}$/);
      expect(bad([{ ...entry, owner: undefined }])).toMatch(/entry 0 \(backup\): "owner" must be a string$/);
      expect(bad([{ ...entry, reason: ' ' }])).toMatch(/allow-list entry backup: reason is required$/);
      expect(bad([{ ...entry, match: {} }])).toMatch(/match must constrain at least one field/);
      expect(bad([{ ...entry, match: { srcCdir: '10.0.0.0/8' } }])).toMatch(/unknown match key "srcCdir"/);
      expect(bad([{ ...entry, expires: '2030-01-01' }])).toMatch(/unknown key "expires"/);
      expect(bad([{ ...entry, match: { port: '22' } }])).toMatch(/match.port must be a number$/);
      expect(bad([entry, entry])).toMatch(/duplicate id$/);
      expect(bad([{ ...entry, match: { cidr: '10.0.0.0/40' } }])).toMatch(/cidr 10.0.0.0\/40 is not a CIDR$/);
      expect(problems({ INGEST_ALLOW_LIST_FILE: file('broken.json', '[{') })[0]).toMatch(/not JSON/);
    });
  });
});
