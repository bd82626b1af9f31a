import { parseCidr } from '@flowguard/threat-intel';
import { must } from '../testing/must';
import { addressMatcher } from './address.matcher';
import { FlowQueryError, cidrText, decodeCursor, encodeCursor, isAfter, parseFlowQueryParams, validateFlowQuery } from './flow-query';

const FROM = 1709596800; // 2024-03-05T00:00:00Z
const TO = FROM + 86400;

function issuesOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlowQueryError) return Object.fromEntries(e.issues.map((i) => [i.field, i.message]));
    throw e;
  }
  throw new Error('expected a FlowQueryError');
}

describe('validateFlowQuery', () => {
  it('accepts a full query and normalises the network', () => {
    const q = validateFlowQuery({ cidr: '10.1.2.3/16', port: 443, eni: 'eni-0abc123', action: 'REJECT', from: FROM, to: TO, limit: 50 });
    expect(q).toMatchObject({ from: FROM, to: TO, limit: 50, port: 443, eni: 'eni-0abc123', action: 'REJECT', networkText: '10.1.0.0/16' });
    expect(q.after).toBeUndefined();
  });

  it('treats an ip as a host prefix, IPv4 and IPv6', () => {
    expect(validateFlowQuery({ ip: '192.0.2.7', from: FROM, to: TO }).networkText).toBe('192.0.2.7/32');
    expect(validateFlowQuery({ ip: '2001:db8::1', from: FROM, to: TO }).networkText).toBe('2001:db8:0:0:0:0:0:1/128');
    expect(validateFlowQuery({ ip: '::ffff:10.0.0.1', from: FROM, to: TO }).networkText).toBe('10.0.0.1/32');
  });

  it('defaults the limit and caps it', () => {
    expect(validateFlowQuery({ from: FROM, to: TO }).limit).toBe(100);
    expect(validateFlowQuery({ from: FROM, to: TO }, { defaultLimit: 7 }).limit).toBe(7);
    expect(issuesOf(() => validateFlowQuery({ from: FROM, to: TO, limit: 1001 })).limit).toMatch(/1\.\.1000/);
    expect(issuesOf(() => validateFlowQuery({ from: FROM, to: TO, limit: 0 })).limit).toBeDefined();
  });

  it('reports every problem at once with the field it belongs to', () => {
    const issues = issuesOf(() => validateFlowQuery({ ip: '10.0.0.256', port: 70000, eni: 'i-123', action: 'DROP', to: FROM, bogus: 1 }));
    expect(Object.keys(issues).sort()).toEqual(['action', 'bogus', 'eni', 'from', 'ip', 'port']);
    expect(issues.from).toMatch(/required/);
    expect(issues.bogus).toMatch(/unknown parameter/);
  });

  it('rejects bad time ranges', () => {
    expect(issuesOf(() => validateFlowQuery({ from: TO, to: FROM })).to).toMatch(/after from/);
    expect(issuesOf(() => validateFlowQuery({ from: FROM, to: FROM })).to).toMatch(/after from/);
    expect(issuesOf(() => validateFlowQuery({ from: FROM, to: FROM + 91 * 86400 })).to).toMatch(/90-day maximum/);
    expect(issuesOf(() => validateFlowQuery({ from: FROM * 1000, to: TO * 1000 })).from).toMatch(/milliseconds/);
    expect(issuesOf(() => validateFlowQuery({ from: 1.5, to: TO })).from).toMatch(/integer/);
  });

  it('rejects ip with cidr, a cidr without a prefix, and a prefix on ip', () => {
    expect(issuesOf(() => validateFlowQuery({ ip: '10.0.0.1', cidr: '10.0.0.0/8', from: FROM, to: TO })).cidr).toMatch(/not both/);
    expect(issuesOf(() => validateFlowQuery({ cidr: '10.0.0.0', from: FROM, to: TO })).cidr).toMatch(/CIDR/);
    expect(issuesOf(() => validateFlowQuery({ cidr: '10.0.0.0/33', from: FROM, to: TO })).cidr).toMatch(/CIDR/);
    expect(issuesOf(() => validateFlowQuery({ ip: '10.0.0.0/8', from: FROM, to: TO })).ip).toBeDefined();
  });

  it('rejects a non-object', () => {
    expect(() => validateFlowQuery(null)).toThrow(FlowQueryError);
    expect(() => validateFlowQuery([1])).toThrow(/must be an object/);
  });
});

describe('cursors', () => {
  it('round-trip and bind to the filters', () => {
    const q = validateFlowQuery({ ip: '10.0.0.1', from: FROM, to: TO });
    const cursor = encodeCursor({ start: FROM + 10, id: 'abc' }, q.fingerprint);
    expect(decodeCursor(cursor, q.fingerprint)).toEqual({ start: FROM + 10, id: 'abc' });
    expect(validateFlowQuery({ ip: '10.0.0.1', from: FROM, to: TO, cursor }).after).toEqual({ start: FROM + 10, id: 'abc' });
    // a different limit is fine (page size may change), different filters are not
    expect(validateFlowQuery({ ip: '10.0.0.1', from: FROM, to: TO, limit: 5, cursor }).after).toBeDefined();
    expect(issuesOf(() => validateFlowQuery({ ip: '10.0.0.2', from: FROM, to: TO, cursor })).cursor).toMatch(/different filters/);
    expect(issuesOf(() => validateFlowQuery({ from: FROM, to: TO, cursor: 'not-a-cursor' })).cursor).toMatch(/not a cursor/);
  });

  it('orders by start desc then id desc', () => {
    const pos = { start: 100, id: 'm' };
    expect(isAfter(99, 'z', pos)).toBe(true);
    expect(isAfter(100, 'a', pos)).toBe(true);
    expect(isAfter(100, 'm', pos)).toBe(false);
    expect(isAfter(100, 'n', pos)).toBe(false);
    expect(isAfter(101, 'a', pos)).toBe(false);
    expect(isAfter(101, 'a', undefined)).toBe(true);
  });
});

describe('parseFlowQueryParams', () => {
  it('parses HTTP strings: numbers, ISO times, action case', () => {
    const q = parseFlowQueryParams({ ip: '10.0.0.1', port: '22', from: '2024-03-05T00:00:00Z', to: String(TO), action: 'reject', limit: '20', eni: '' });
    expect(q).toMatchObject({ from: FROM, to: TO, port: 22, action: 'REJECT', limit: 20 });
    expect(q.eni).toBeUndefined();
  });

  it('reports unparsable values and repeated parameters', () => {
    expect(issuesOf(() => parseFlowQueryParams({ from: 'yesterday', to: String(TO) })).from).toMatch(/ISO 8601/);
    expect(issuesOf(() => parseFlowQueryParams({ from: String(FROM), to: String(TO), port: 'ssh' })).port).toMatch(/0\.\.65535/);
    expect(issuesOf(() => parseFlowQueryParams({ from: [String(FROM), '1'], to: String(TO) })).from).toMatch(/more than once/);
  });
});

describe('addressMatcher (CIDR matching)', () => {
  const m = (cidr: string) => addressMatcher(must(parseCidr(cidr)));

  it('matches IPv4 networks at any prefix length', () => {
    const net = m('10.1.0.0/16');
    expect(net('10.1.0.0')).toBe(true);
    expect(net('10.1.255.255')).toBe(true);
    expect(net('10.2.0.0')).toBe(false);
    expect(net('10.0.255.255')).toBe(false);
    expect(m('0.0.0.0/0')('203.0.113.9')).toBe(true);
    expect(m('192.0.2.7/32')('192.0.2.7')).toBe(true);
    expect(m('192.0.2.7/32')('192.0.2.8')).toBe(false);
    expect(m('172.16.0.0/12')('172.31.255.1')).toBe(true);
    expect(m('172.16.0.0/12')('172.32.0.1')).toBe(false);
  });

  it('matches IPv6 networks and keeps families apart', () => {
    const net = m('2001:db8::/32');
    expect(net('2001:db8::1')).toBe(true);
    expect(net('2001:0db8:ffff::1')).toBe(true);
    expect(net('2001:db9::1')).toBe(false);
    expect(net('10.0.0.1')).toBe(false);
    expect(m('10.0.0.0/8')('2001:db8::1')).toBe(false);
    expect(m('2001:db8:0:0:0:0:0:1/128')('2001:db8::1')).toBe(true);
    // IPv4-mapped IPv6 text is the IPv4 address
    expect(m('10.0.0.0/8')('::ffff:10.9.8.7')).toBe(true);
  });

  it('never matches absent or malformed values', () => {
    const net = m('0.0.0.0/0');
    for (const v of [undefined, null, '', '-', 'not-an-ip', 42]) expect(net(v)).toBe(false);
  });

  it('formats masked networks canonically', () => {
    expect(cidrText(must(parseCidr('10.1.2.3/8')))).toBe('10.0.0.0/8');
    expect(cidrText(must(parseCidr('2001:db8:abcd::1/48')))).toBe('2001:db8:abcd:0:0:0:0:0/48');
  });
});
