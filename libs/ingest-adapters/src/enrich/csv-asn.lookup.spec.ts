import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvAsnLookup, parseAsnCsvLine } from './csv-asn.lookup';

const dir = mkdtempSync(join(tmpdir(), 'fg-asn-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
// the package's numeric form: start,end,asn,org (org quoted when it holds a comma)
const V4 = [
  '16777216,16777471,13335,"Cloudflare, Inc."', // 1.0.0.0 - 1.0.0.255
  '16778240,16779263,38803,Gtelecom Pty Ltd', // 1.0.4.0 - 1.0.7.255
  '134744064,134744319,15169,Google LLC', // 8.8.8.0/24
  '134744100,134744200,64500,Overlapping Net', // out of order: refused
  '167772160,167772415,0,Not routed', // 10.0.0.0/24 as AS0: no answer
  'garbage line',
  '3758096384,4294967295,64501,"Tail ""Quoted"" Org"', // 224.0.0.0 - 255.255.255.255
].join('\n');
const V6 = [
  '42540488161975842760550356425300246528,42540488241204005274814694018844196863,6939,Hurricane Electric LLC', // 2001::/32
  '42541956101370907050197289607612071936,42541956180599069564461627201156022271,15169,Google LLC', // 2001:4860::/32
].join('\n');

describe('parseAsnCsvLine', () => {
  it('reads plain and quoted organisations, refuses malformed lines', () => {
    expect(parseAsnCsvLine('1,2,13335,"Cloudflare, Inc."')).toEqual({ start: '1', end: '2', asn: 13335, org: 'Cloudflare, Inc.' });
    expect(parseAsnCsvLine('1,2,7,"A ""B"" C"')).toEqual({ start: '1', end: '2', asn: 7, org: 'A "B" C' });
    expect(parseAsnCsvLine('1,2,x,Org')).toBeUndefined();
    expect(parseAsnCsvLine('1,2')).toBeUndefined();
  });
});

describe('CsvAsnLookup', () => {
  it('finds the AS of IPv4 and IPv6 addresses by range, nothing outside the ranges or for AS0', async () => {
    const l = await CsvAsnLookup.open({ ipv4: file('v4.csv', V4), ipv6: file('v6.csv', V6) });
    expect(l.stats).toEqual({ ipv4Ranges: 5, ipv6Ranges: 2, badLines: 2, organisations: 6 });
    expect(l.asn('1.0.0.0')).toEqual({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(l.asn('1.0.0.255')).toEqual({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(l.asn('1.0.1.0')).toBeUndefined(); // gap between ranges
    expect(l.asn('1.0.5.9')).toEqual({ asn: 38803, org: 'Gtelecom Pty Ltd' });
    expect(l.asn('8.8.8.8')).toEqual({ asn: 15169, org: 'Google LLC' });
    expect(l.asn('0.255.255.255')).toBeUndefined(); // before the first range
    expect(l.asn('10.0.0.7')).toBeUndefined();
    expect(l.asn('255.255.255.255')).toEqual({ asn: 64501, org: 'Tail "Quoted" Org' });
    expect(l.asn('2001::1')).toEqual({ asn: 6939, org: 'Hurricane Electric LLC' });
    expect(l.asn('2001:0:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual({ asn: 6939, org: 'Hurricane Electric LLC' });
    expect(l.asn('2001:1::')).toBeUndefined();
    expect(l.asn('2001:4860:4860::8888')).toEqual({ asn: 15169, org: 'Google LLC' });
    expect(l.asn('::1')).toBeUndefined();
    expect(l.asn('not an address')).toBeUndefined();
  });

  it('can skip IPv6, and fails on a missing file', async () => {
    const l = await CsvAsnLookup.open({ ipv4: file('v4b.csv', V4), ipv6: false });
    expect(l.stats.ipv6Ranges).toBe(0);
    expect(l.asn('2001::1')).toBeUndefined();
    await expect(CsvAsnLookup.open({ ipv4: join(dir, 'nope.csv') })).rejects.toThrow(/ENOENT/);
  });
});
