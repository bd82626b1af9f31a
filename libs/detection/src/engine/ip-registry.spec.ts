import { StringTable } from '@flowguard/contracts';
import { IpSetList, NO_THREAT_INTEL, ThreatIntel } from '@flowguard/threat-intel';
import { IpAttr, IpRegistry } from './ip-registry';

/** A batch string table holding `values` (ids 1..n), as a parser would hand it over. */
function table(values: string[]): StringTable {
  return StringTable.from(['', ...values]);
}

function resolveAll(reg: IpRegistry, t: StringTable): number[] {
  const map = reg.translation(t);
  const out: number[] = [];
  for (let sid = 1; sid < t.size; sid++) out.push(reg.resolve(t, map, sid));
  return out;
}

describe('IpRegistry', () => {
  const addrs = ['10.0.0.1', '8.8.8.8', '2001:db8::1', '010.0.0.1', '224.0.0.251', '192.168.1.20', '1.2.3.4'];

  it('gives IPv4 text (by number) and other text (by string) the ids and attributes of the string index, batch after batch', () => {
    const reg = new IpRegistry(['10.0.0.0/8', '192.168.0.0/16'], NO_THREAT_INTEL);
    const first = resolveAll(reg, table(addrs));
    // a second batch: new table object, other order, one new address
    const again = ['1.2.3.4', '9.9.9.9', '8.8.8.8', '10.0.0.1', '2001:db8::1'];
    const second = resolveAll(reg, table(again));
    for (const [k, s] of again.entries()) expect(second[k]).toBe(reg.idOf(s));
    for (const [k, s] of addrs.entries()) expect(first[k]).toBe(reg.idOf(s));
    expect(reg.str(reg.idOf('9.9.9.9'))).toBe('9.9.9.9');
    // '010.0.0.1' is not canonical IPv4 text: its own id, not 10.0.0.1's
    expect(reg.idOf('010.0.0.1')).not.toBe(reg.idOf('10.0.0.1'));
    expect((reg.attrs[reg.idOf('10.0.0.1')] as number) & IpAttr.INTERNAL).toBe(IpAttr.INTERNAL);
    expect((reg.attrs[reg.idOf('8.8.8.8')] as number) & IpAttr.INTERNAL).toBe(0);
    expect((reg.attrs[reg.idOf('224.0.0.251')] as number) & IpAttr.NON_UNICAST).toBe(IpAttr.NON_UNICAST);
  });

  it('takes threat-list attributes from numeric lookups equal to the string ones', () => {
    const list = (name: string, kind: 'tor-exit' | 'tor-relay' | 'mining-pool' | 'custom', text: string) => IpSetList.parseLines(text, { name, kind });
    const ti = new ThreatIntel({
      torExits: [list('exits', 'tor-exit', '8.8.8.8')],
      torRelays: [list('relays', 'tor-relay', '1.2.3.0/24')],
      miningPools: [list('pools', 'mining-pool', '192.168.1.20')],
      custom: [list('mine', 'custom', '1.2.3.4 # known bad\n2001:db8::/32')],
    });
    const byNumber = new IpRegistry(['10.0.0.0/8'], ti);
    const byString = new IpRegistry(['10.0.0.0/8'], ti);
    resolveAll(byNumber, table(addrs));
    for (const s of addrs) {
      expect(byNumber.attrs[byNumber.idOf(s)]).toBe(byString.attrs[byString.idOf(s)]);
      expect(byNumber.listed(byNumber.idOf(s))).toEqual(byString.listed(byString.idOf(s)));
    }
    const bad = byNumber.idOf('1.2.3.4');
    expect(byNumber.attrs[bad]).toBe(IpAttr.TOR_RELAY | IpAttr.LISTED);
    expect(byNumber.listed(bad)?.list).toBe('mine');
    expect(byNumber.attrs[byNumber.idOf('8.8.8.8')]).toBe(IpAttr.TOR_EXIT | IpAttr.TOR_RELAY);
    expect(byNumber.attrs[byNumber.idOf('192.168.1.20')]).toBe(IpAttr.MINING_POOL);
  });

  it('forgets the numbers of recycled ids: a reused id never answers for the address that left', () => {
    const reg = new IpRegistry([], NO_THREAT_INTEL);
    resolveAll(reg, table(['1.1.1.1', '2.2.2.2']));
    const gone = reg.idOf('1.1.1.1');
    reg.lastSeen[gone] = 0;
    reg.lastSeen[reg.idOf('2.2.2.2')] = 500;
    expect(reg.recycleIdle(100)).toBe(1);
    // the freed id goes to a new address
    const [fresh] = resolveAll(reg, table(['3.3.3.3']));
    expect(fresh).toBe(gone);
    const [back, kept] = resolveAll(reg, table(['1.1.1.1', '2.2.2.2']));
    expect(back).not.toBe(gone);
    expect(reg.str(back as number)).toBe('1.1.1.1');
    expect(reg.str(kept as number)).toBe('2.2.2.2');
  });
});
