/**
 * Sets the threat-intel Mark bits (Tor exit / relay, mining pool, custom list)
 * from an in-memory {@link ThreatIntelLookup}. Runs before the noise filter so
 * flagged rows are protected from it. The matching list's name is kept in
 * `src-threat-list` / `dst-threat-list`. The pkt-* addresses (the real peer
 * behind a NAT gateway) count as well as srcaddr/dstaddr.
 */
import { Mark, type FlowBatch } from '@flowguard/contracts';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';

export interface ThreatMarkCounts {
  rows: number;
  torExit: number;
  torRelay: number;
  miningPool: number;
  listed: number;
  /** the lookup threw: rows marked ENRICH_DEGRADED */
  degraded: number;
}

const SRC = { exit: Mark.SRC_TOR_EXIT, relay: Mark.SRC_TOR_RELAY, pool: Mark.SRC_MINING_POOL, list: Mark.SRC_THREAT_LIST };
const DST = { exit: Mark.DST_TOR_EXIT, relay: Mark.DST_TOR_RELAY, pool: Mark.DST_MINING_POOL, list: Mark.DST_THREAT_LIST };

export function markThreatIntel(batch: FlowBatch, ti: ThreatIntelLookup): ThreatMarkCounts {
  const counts: ThreatMarkCounts = { rows: 0, torExit: 0, torRelay: 0, miningPool: 0, listed: 0, degraded: 0 };
  const s = batch.strings;
  // per string id: bit0 exit, bit1 relay, bit2 pool, bit3 listed, bit7 computed; list name id kept aside
  const cache = new Uint8Array(s.size);
  const listName = new Map<number, number>();
  let failed = false;
  const flags = (id: number): number => {
    if (id === 0 || failed) return 0;
    let f = cache[id] as number;
    if (f === 0) {
      const ip = s.get(id);
      try {
        f = 0x80 | (ti.torExit(ip) ? 1 : 0) | (ti.torRelay(ip) ? 2 : 0) | (ti.miningPool(ip) ? 4 : 0);
        const hit = ti.listed(ip);
        if (hit) {
          f |= 8;
          listName.set(id, s.intern(hit.list));
        }
      } catch {
        failed = true;
        return 0;
      }
      cache[id] = f;
    }
    return f;
  };
  const pktSrc = batch.text.get('pkt-srcaddr');
  const pktDst = batch.text.get('pkt-dstaddr');
  let srcList: Uint32Array | undefined;
  let dstList: Uint32Array | undefined;
  for (let i = 0; i < batch.length; i++) {
    const sIds = [batch.srcAddr[i] as number, pktSrc ? (pktSrc[i] as number) : 0];
    const dIds = [batch.dstAddr[i] as number, pktDst ? (pktDst[i] as number) : 0];
    let m = batch.marks[i] as number;
    const before = m;
    for (const [ids, bits, side] of [[sIds, SRC, 'src'], [dIds, DST, 'dst']] as const) {
      for (const id of ids) {
        const f = flags(id);
        if (f & 1) m |= bits.exit;
        if (f & 2) m |= bits.relay;
        if (f & 4) m |= bits.pool;
        if (f & 8) {
          m |= bits.list;
          if (side === 'src') (srcList ??= batch.textColumn('src-threat-list'))[i] = listName.get(id) as number;
          else (dstList ??= batch.textColumn('dst-threat-list'))[i] = listName.get(id) as number;
        }
      }
    }
    if (failed) {
      m |= Mark.ENRICH_DEGRADED;
      counts.degraded++;
    }
    if (m !== before) {
      counts.rows += (m & ~Mark.ENRICH_DEGRADED) !== (before & ~Mark.ENRICH_DEGRADED) ? 1 : 0;
      if ((m & (Mark.SRC_TOR_EXIT | Mark.DST_TOR_EXIT)) !== (before & (Mark.SRC_TOR_EXIT | Mark.DST_TOR_EXIT))) counts.torExit++;
      if ((m & (Mark.SRC_TOR_RELAY | Mark.DST_TOR_RELAY)) !== (before & (Mark.SRC_TOR_RELAY | Mark.DST_TOR_RELAY))) counts.torRelay++;
      if ((m & (Mark.SRC_MINING_POOL | Mark.DST_MINING_POOL)) !== (before & (Mark.SRC_MINING_POOL | Mark.DST_MINING_POOL))) counts.miningPool++;
      if ((m & (Mark.SRC_THREAT_LIST | Mark.DST_THREAT_LIST)) !== (before & (Mark.SRC_THREAT_LIST | Mark.DST_THREAT_LIST))) counts.listed++;
    }
    batch.marks[i] = m;
  }
  return counts;
}
