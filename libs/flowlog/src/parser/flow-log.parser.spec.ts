import { ABSENT, Action, Direction, LogStatus, recordAt } from '@flowguard/contracts';
import { FIELD_SPECS } from '../fields/field-registry';
import { DEFAULT_FORMAT } from '../format/flow-log-format';
import { formatFlowLogRow } from '../format/flow-log.writer';
import { errorTotal } from '../parse-result';
import { parseFlowLogText } from './flow-log.parser';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const ROW = '2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.5 203.0.113.9 443 49152 6 10 8400 1700000000 1700000060 ACCEPT OK';
const fmt = (...names: string[]) => names.map((n) => '${' + n + '}').join(' ');

describe('parseFlowLogText: default v2 format', () => {
  it('parses every v2 field into its typed column', () => {
    const r = parseFlowLogText(ROW);
    expect(r.errors).toEqual([]);
    expect(r.counts).toMatchObject({ lines: 1, records: 1, nodata: 0, skipdata: 0, headers: 0 });
    expect(recordAt(r.batch, 0)).toEqual({
      version: 2,
      accountId: '123456789012',
      interfaceId: 'eni-0a1b2c3d4e5f60718',
      srcAddr: '10.0.1.5',
      dstAddr: '203.0.113.9',
      srcPort: 443,
      dstPort: 49152,
      protocol: 6,
      packets: 10,
      bytes: 8400,
      start: 1700000000,
      end: 1700000060,
      action: 'ACCEPT',
      logStatus: 'OK',
    });
    // columns the default format does not carry read as absent
    expect(r.batch.tcpFlags[0]).toBe(ABSENT);
    expect(r.batch.trafficPath[0]).toBe(ABSENT);
    expect(r.batch.direction[0]).toBe(Direction.NONE);
    expect(r.batch.text.size).toBe(0);
  });

  it('keeps NODATA and SKIPDATA rows as telemetry with absent flow fields, and counts them', () => {
    const text = [
      '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
      '2 123456789010 eni-11111111111111111 - - - - - - - 1431280876 1431280934 - SKIPDATA',
      ROW,
    ].join('\n');
    const r = parseFlowLogText(text);
    expect(r.errors).toEqual([]);
    expect(r.counts).toMatchObject({ records: 3, nodata: 1, skipdata: 1 });
    expect(r.batch.logStatus[0]).toBe(LogStatus.NODATA);
    expect(r.batch.logStatus[1]).toBe(LogStatus.SKIPDATA);
    expect(r.batch.action[0]).toBe(Action.NONE);
    expect(r.batch.srcAddr[0]).toBe(0);
    expect(r.batch.srcPort[0]).toBe(ABSENT);
    expect(r.batch.packets[0]).toBe(ABSENT);
    expect(r.batch.start[0]).toBe(1431280876);
  });

  it('accepts REJECT, IPv6 addresses, ICMP port 0 and the largest allowed counters', () => {
    const line = `2 unknown eni-1 2001:db8::1 fe80::abcd:1 0 0 58 ${2 ** 53 - 1} ${2 ** 53 - 1} 4294967295 4294967295 REJECT OK`;
    const r = parseFlowLogText(line);
    expect(r.errors).toEqual([]);
    const rec = recordAt(r.batch, 0);
    expect(rec).toMatchObject({ accountId: 'unknown', srcAddr: '2001:db8::1', dstAddr: 'fe80::abcd:1', srcPort: 0, protocol: 58, action: 'REJECT' });
    expect(rec.packets).toBe(Number.MAX_SAFE_INTEGER);
    expect(rec.end).toBe(4294967295);
  });

  it('interns equal strings to one id and writes rows back unchanged', () => {
    const lines = [ROW, ROW.replace('10.0.1.5', '10.0.1.6'), ROW];
    const r = parseFlowLogText(lines.join('\n') + '\n');
    expect(r.batch.srcAddr[0]).toBe(r.batch.srcAddr[2]);
    expect(r.batch.srcAddr[0]).not.toBe(r.batch.srcAddr[1]);
    expect(r.batch.accountId[0]).toBe(r.batch.accountId[1]);
    expect(new Set(r.batch.strings.values).size).toBe(r.batch.strings.values.length);
    for (let i = 0; i < 3; i++) expect(formatFlowLogRow(r.batch, i, DEFAULT_FORMAT)).toBe(lines[i]);
  });

  it('keeps the string-table contract: intern() after parsing finds parsed values', () => {
    const r = parseFlowLogText(ROW);
    const id = r.batch.srcAddr[0] as number;
    expect(r.batch.strings.intern('10.0.1.5')).toBe(id);
    expect(r.batch.strings.intern('eni-0a1b2c3d4e5f60718')).toBe(r.batch.interfaceId[0]);
    const fresh = r.batch.strings.intern('198.51.100.1');
    expect(r.batch.strings.get(fresh)).toBe('198.51.100.1');
    expect(r.batch.strings.intern('198.51.100.1')).toBe(fresh);
  });

  it('tolerates CRLF, a UTF-8 BOM, trailing blanks and a missing final newline', () => {
    const r = parseFlowLogText('\ufeff' + HEADER + '\r\n' + ROW + '\r\n' + ROW + '  \t\n' + ROW);
    expect(r.errors).toEqual([]);
    expect(r.counts).toMatchObject({ lines: 4, headers: 1, records: 3 });
  });

  it('returns an empty batch for empty input', () => {
    const r = parseFlowLogText('');
    expect(r.batch.length).toBe(0);
    expect(r.counts.lines).toBe(0);
  });
});

describe('parseFlowLogText: bad lines become typed errors and never stop the stream', () => {
  const cases: Array<[string, string, string | null, string]> = [
    ['too few fields', ROW.replace(' ACCEPT OK', ' ACCEPT'), null, 'field_count'],
    ['too many fields', ROW + ' extra', null, 'field_count'],
    ['empty field (double space)', ROW.replace(' 443 ', '  443 '), 'srcport', 'empty_field'],
    ['letters in a number', ROW.replace(' 8400 ', ' 84x0 '), 'bytes', 'bad_number'],
    ['negative number', ROW.replace(' 443 ', ' -443 '), 'srcport', 'bad_number'],
    ['decimal number', ROW.replace(' 10 8400', ' 1.5 8400'), 'packets', 'bad_number'],
    ['exponent', ROW.replace(' 10 8400', ' 1e3 8400'), 'packets', 'bad_number'],
    ['port above 65535', ROW.replace(' 49152 ', ' 65536 '), 'dstport', 'number_range'],
    ['protocol above 255', ROW.replace(' 6 10 ', ' 256 10 '), 'protocol', 'number_range'],
    ['packets beyond 2^53', ROW.replace(' 10 8400', ' 9007199254740992 8400'), 'packets', 'number_range'],
    ['a 400-digit number', ROW.replace(' 8400 ', ' ' + '9'.repeat(400) + ' '), 'bytes', 'number_range'],
    ['start beyond uint32', ROW.replace('1700000000', '4294967296'), 'start', 'number_range'],
    ['IPv4 octet above 255', ROW.replace('10.0.1.5', '10.0.1.256'), 'srcaddr', 'bad_address'],
    ['IPv4 with a leading zero', ROW.replace('10.0.1.5', '10.0.01.5'), 'srcaddr', 'bad_address'],
    ['three-part IPv4', ROW.replace('203.0.113.9', '203.0.113'), 'dstaddr', 'bad_address'],
    ['hostname', ROW.replace('203.0.113.9', 'example.com'), 'dstaddr', 'bad_address'],
    ['IPv6 with two ::', ROW.replace('203.0.113.9', '2001::db8::1'), 'dstaddr', 'bad_address'],
    ['IPv6 with a zone id', ROW.replace('203.0.113.9', 'fe80::1%eth0'), 'dstaddr', 'bad_address'],
    ['lowercase action', ROW.replace('ACCEPT', 'accept'), 'action', 'bad_enum'],
    ['unknown log-status', ROW.replace(' OK', ' FINE'), 'log-status', 'bad_enum'],
  ];

  it.each(cases)('%s', (_name, line, field, reason) => {
    const r = parseFlowLogText([ROW, line, ROW].join('\n'), { source: 's3://b/k.log.gz' });
    expect(r.batch.length).toBe(2);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 2, field, reason, raw: line, source: 's3://b/k.log.gz' });
    expect(r.errors[0]?.message).toContain(field ?? 'fields');
    expect(r.counts.errors).toEqual({ [reason]: 1 });
    expect(r.counts.lines).toBe(3);
  });

  it('reports blank lines as empty_line', () => {
    const r = parseFlowLogText(`${ROW}\n\n   \n${ROW}\n`);
    expect(r.batch.length).toBe(2);
    expect(r.counts.errors).toEqual({ empty_line: 2 });
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
  });

  it('rejects over-long lines and truncates the raw text it reports', () => {
    const long = ROW.replace('eni-0a1b2c3d4e5f60718', 'eni-' + 'a'.repeat(5000));
    const r = parseFlowLogText(`${long}\n${ROW}`, { maxLineBytes: 1024 });
    expect(r.batch.length).toBe(1);
    expect(r.errors[0]).toMatchObject({ reason: 'line_too_long', line: 1 });
    expect(r.errors[0]?.raw.length).toBeLessThanOrEqual(512);
  });

  it('rejects text that is not valid UTF-8 instead of storing replacement characters', () => {
    const bad = Buffer.concat([Buffer.from('2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK x'), Buffer.from([0xff, 0xfe])]);
    const r = parseFlowLogText(Buffer.concat([bad, Buffer.from('\n')]), { format: DEFAULT_FORMAT + ' ${vpc-id}' });
    expect(r.errors[0]).toMatchObject({ reason: 'bad_encoding', field: 'vpc-id' });
  });

  it('keeps lines = records + headers + errors for a mixed input', () => {
    const text = [HEADER, ROW, 'garbage', '', ROW.replace('OK', 'NODATA'), ROW + ' x'].join('\n');
    const r = parseFlowLogText(text);
    expect(r.counts.lines).toBe(r.counts.records + r.counts.headers + errorTotal(r.counts));
  });
});

describe('header lines and formats', () => {
  it('uses the S3 header line as the format', () => {
    const text = 'srcaddr dstaddr vpc-id action\n10.0.0.1 10.0.0.2 vpc-1 REJECT\n';
    const r = parseFlowLogText(text);
    expect(r.errors).toEqual([]);
    expect(r.counts.headers).toBe(1);
    expect(recordAt(r.batch, 0)).toMatchObject({ srcAddr: '10.0.0.1', action: 'REJECT', fields: { 'vpc-id': 'vpc-1' } });
  });

  it('uses the configured format for header-less CloudWatch/Firehose payloads', () => {
    const r = parseFlowLogText('10.0.0.1 443 egress', { format: fmt('srcaddr', 'srcport', 'flow-direction') });
    expect(recordAt(r.batch, 0)).toMatchObject({ srcAddr: '10.0.0.1', srcPort: 443, flowDirection: 'egress' });
  });

  it('lets the header win over a different configured format and reports header_mismatch', () => {
    const text = 'srcaddr dstaddr\n10.0.0.1 10.0.0.2\n';
    const r = parseFlowLogText(text, { format: DEFAULT_FORMAT });
    expect(r.batch.length).toBe(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 1, reason: 'header_mismatch' });
    expect(r.errors[0]?.message).toMatch(/header line has 2 fields .* configured format has 14/);
  });

  it('accepts a header equal to the configured format silently', () => {
    const r = parseFlowLogText(`${HEADER}\n${ROW}\n`, { format: DEFAULT_FORMAT });
    expect(r.errors).toEqual([]);
    expect(r.counts.headers).toBe(1);
  });

  it('follows a new header in the middle of a stream (concatenated files) and fills columns per segment', () => {
    const text = [HEADER, ROW, 'srcaddr tcp-flags vpc-id', '10.9.9.9 18 vpc-9', HEADER, ROW].join('\n');
    const r = parseFlowLogText(text);
    expect(r.errors).toEqual([]);
    expect(r.counts).toMatchObject({ headers: 3, records: 3 });
    expect(r.batch.tcpFlags[0]).toBe(ABSENT);
    expect(r.batch.tcpFlags[1]).toBe(18);
    expect(r.batch.srcPort[1]).toBe(ABSENT);
    expect(r.batch.version[1]).toBe(3); // highest version among srcaddr (2), tcp-flags (3), vpc-id (3)
    expect(r.batch.textValue('vpc-id', 0)).toBe('');
    expect(r.batch.textValue('vpc-id', 1)).toBe('vpc-9');
    expect(r.batch.textValue('vpc-id', 2)).toBe('');
    expect(r.batch.srcPort[2]).toBe(443);
  });

  it('does not mistake data lines of custom formats for headers', () => {
    const r = parseFlowLogText('vpc-1 subnet-2 us-east-1\n', { format: fmt('vpc-id', 'subnet-id', 'region') });
    expect(r.counts).toMatchObject({ headers: 0, records: 1 });
  });

  it('defaults log-status to OK and version to the format version when the format lacks them', () => {
    const r = parseFlowLogText('10.0.0.1 ingress', { format: fmt('srcaddr', 'flow-direction') });
    expect(r.batch.logStatus[0]).toBe(LogStatus.OK);
    expect(r.batch.version[0]).toBe(5);
    expect(r.batch.start[0]).toBe(0);
    expect(r.batch.packets[0]).toBe(ABSENT);
  });
});

describe('every registered field', () => {
  const sample: Record<string, string> = {
    version: '11', 'account-id': '123456789012', 'interface-id': 'eni-1', srcaddr: '10.0.0.1', dstaddr: '2001:db8::2',
    srcport: '22', dstport: '50000', protocol: '6', packets: '3', bytes: '180', start: '1700000000', end: '1700000001',
    action: 'ACCEPT', 'log-status': 'OK', 'tcp-flags': '19', 'flow-direction': 'ingress', 'traffic-path': '8',
    'pkt-srcaddr': '100.64.0.1', 'pkt-dstaddr': '::ffff:192.0.2.1', 'encryption-status': '3',
    'packets-lost-no-route': '9007199254740991', 'instance-tag': 'team=payments', 'interface-tag-2': 'env=prod',
    'interface-type': 'nat_gateway', 'reject-reason': 'BPA', 'ecs-task-arn': 'arn:aws:ecs:us-east-1:123:task/c/abc',
  };
  const names = FIELD_SPECS.map((f) => f.name);
  const line = names.map((n) => sample[n] ?? (n.startsWith('packets-lost-') ? '0' : `v-${n}`)).join(' ');

  it('parses a line carrying all of them and writes it back unchanged', () => {
    const r = parseFlowLogText(line, { format: fmt(...names) });
    expect(r.errors).toEqual([]);
    expect(formatFlowLogRow(r.batch, 0, fmt(...names))).toBe(line);
    expect(r.batch.tcpFlags[0]).toBe(19);
    expect(r.batch.trafficPath[0]).toBe(8);
    expect(r.batch.direction[0]).toBe(Direction.INGRESS);
    expect(r.batch.version[0]).toBe(11);
    expect(r.batch.textValue('pkt-dstaddr', 0)).toBe('::ffff:192.0.2.1');
    expect(r.batch.textValue('ecs-task-arn', 0)).toBe(sample['ecs-task-arn']);
    expect(r.batch.textValue('next-hop-interface-type', 0)).toBe('v-next-hop-interface-type');
  });

  it.each([
    ['tcp-flags', '256', 'number_range'],
    ['traffic-path', '128', 'number_range'],
    ['encryption-status', '4', 'number_range'],
    ['encryption-status', 'x', 'bad_number'],
    ['packets-lost-blackhole', '9007199254740992', 'number_range'],
    ['pkt-srcaddr', '1.2.3', 'bad_address'],
    ['flow-direction', 'inbound', 'bad_enum'],
  ])('validates %s=%s as %s', (field, value, reason) => {
    const r = parseFlowLogText(`10.0.0.1 ${value}`, { format: fmt('srcaddr', field) });
    expect(r.errors[0]).toMatchObject({ field, reason });
  });

  it('keeps unknown (future) fields as text under their own name', () => {
    const r = parseFlowLogText('10.0.0.1 gold 7', { format: fmt('srcaddr', 'x-customer-tier', 'flow-priority') });
    expect(r.errors).toEqual([]);
    expect(recordAt(r.batch, 0).fields).toEqual({ 'x-customer-tier': 'gold', 'flow-priority': '7' });
  });

  it('keeps UTF-8 tag values intact', () => {
    const r = parseFlowLogText('10.0.0.1 équipe=paiements;環境=本番', { format: fmt('srcaddr', 'instance-tag') });
    expect(r.batch.textValue('instance-tag', 0)).toBe('équipe=paiements;環境=本番');
  });

  it('gives an IPv4 string one id whether it sits in an address field or a text field', () => {
    const r = parseFlowLogText('10.0.0.1 10.0.0.1 10.0.0.1', { format: fmt('srcaddr', 'x-peer', 'pkt-srcaddr') });
    const id = r.batch.srcAddr[0];
    expect(r.batch.textColumn('x-peer')[0]).toBe(id);
    expect(r.batch.textColumn('pkt-srcaddr')[0]).toBe(id);
    expect(r.batch.strings.values.filter((v) => v === '10.0.0.1')).toHaveLength(1);
  });
});
