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

// module-level copies: reading the contracts' constants through the barrel's getters per row is measurable (as in detection's partition-rows.ts)
const SRC_EXIT = Mark.SRC_TOR_EXIT;
const SRC_RELAY = Mark.SRC_TOR_RELAY;
const SRC_POOL = Mark.SRC_MINING_POOL;
const SRC_LIST = Mark.SRC_THREAT_LIST;
const DST_EXIT = Mark.DST_TOR_EXIT;
const DST_RELAY = Mark.DST_TOR_RELAY;
const DST_POOL = Mark.DST_MINING_POOL;
const DST_LIST = Mark.DST_THREAT_LIST;
const DEGRADED = Mark.ENRICH_DEGRADED;
const ANY_EXIT = SRC_EXIT | DST_EXIT;
const ANY_RELAY = SRC_RELAY | DST_RELAY;
const ANY_POOL = SRC_POOL | DST_POOL;
const ANY_LIST = SRC_LIST | DST_LIST;

/** per string id: bit0 exit, bit1 relay, bit2 pool, bit3 listed, bit7 computed */
const COMPUTED = 0x80;

/**
 * The answers of one lookup by IPv4 number, kept across batches: every batch brings a new string
 * table, so without it each distinct address of every batch costs the four list lookups again
 * (~5 % of `flowguard analyze`'s CPU on 10 M records). Only for a lookup whose lists do not
 * change while it is used (make a new memo after a reload); it empties itself when full.
 */
export class ThreatIntelMemo {
  /** open addressing: [address as int32, answer] per slot; answer 0 = empty */
  private table: Int32Array;
  private mask: number;
  private count = 0;
  /** list names of `listed` answers, by index + 1 in the answer's upper bits */
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();

  constructor(readonly ti: ThreatIntelLookup, private readonly maxEntries = 1 << 20) {
    this.table = new Int32Array(2 * 4096);
    this.mask = 4095;
  }

  /** the flags of `v4` (bit0 exit, bit1 relay, bit2 pool, bit3 listed, bit7 computed), its list name's number above bit 8 */
  answer(v4: number): number {
    const key = v4 | 0;
    const t = this.table;
    const m = this.mask;
    let h = Math.imul(key ^ 0x27d4eb2d, 0x85ebca6b);
    let slot = (h ^ (h >>> 16)) & m;
    for (;;) {
      const v = t[(slot << 1) + 1] as number;
      if (v === 0) break;
      if (t[slot << 1] === key) return v;
      slot = (slot + 1) & m;
    }
    const ti = this.ti;
    let f = COMPUTED | ((ti.torExitV4 as (ip: number) => boolean)(v4) ? 1 : 0) | ((ti.torRelayV4 as (ip: number) => boolean)(v4) ? 2 : 0) | ((ti.miningPoolV4 as (ip: number) => boolean)(v4) ? 4 : 0);
    const hit = (ti.listedV4 as (ip: number) => { list: string } | null)(v4);
    if (hit) {
      let n = this.nameIndex.get(hit.list);
      if (n === undefined) {
        n = this.names.push(hit.list);
        this.nameIndex.set(hit.list, n);
      }
      f |= 8 | (n << 8);
    }
    if (this.count >= this.maxEntries) {
      this.table.fill(0);
      this.count = 0;
      h = Math.imul(key ^ 0x27d4eb2d, 0x85ebca6b);
      slot = (h ^ (h >>> 16)) & m;
    }
    t[slot << 1] = key;
    t[(slot << 1) + 1] = f;
    if (++this.count * 2 > m + 1) this.grow();
    return f;
  }

  listName(answer: number): string {
    return this.names[(answer >>> 8) - 1] as string;
  }

  private grow(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const t = new Int32Array(slots * 2);
    const m = slots - 1;
    for (let o = 0; o < old.length; o += 2) {
      if (old[o + 1] === 0) continue;
      const key = old[o] as number;
      const h = Math.imul(key ^ 0x27d4eb2d, 0x85ebca6b);
      let slot = (h ^ (h >>> 16)) & m;
      while (t[(slot << 1) + 1] !== 0) slot = (slot + 1) & m;
      t[slot << 1] = key;
      t[(slot << 1) + 1] = old[o + 1] as number;
    }
    this.table = t;
    this.mask = m;
  }
}

/**
 * Set the threat-intel marks of every row. Each distinct address is looked up
 * once per batch: by number (the string table's IPv4 view) when the lookup has
 * the numeric entry points and the value is IPv4, so a parsed batch's strings
 * are not created for it; by text otherwise (IPv6, and lookups without them).
 * With a `memo` of the same lookup, IPv4 answers are also kept across batches.
 */
export function markThreatIntel(batch: FlowBatch, ti: ThreatIntelLookup, memo?: ThreatIntelMemo): ThreatMarkCounts {
  const counts: ThreatMarkCounts = { rows: 0, torExit: 0, torRelay: 0, miningPool: 0, listed: 0, degraded: 0 };
  const s = batch.strings;
  const size = s.size;
  const byNumber = ti.torExitV4 && ti.torRelayV4 && ti.miningPoolV4 && ti.listedV4 ? s.ipv4Values() : undefined;
  const cache = new Uint8Array(size);
  const mem = byNumber && memo && memo.ti === ti ? memo : null;
  const listName = new Map<number, number>();
  let failed = false;
  const lookup = (id: number): number => {
    const v4 = byNumber ? (byNumber[id] as number) : -1;
    let f: number;
    let hit: { list: string } | null;
    if (v4 >= 0 && mem !== null) {
      const a = mem.answer(v4);
      f = a & 0xff;
      hit = (a & 8) !== 0 ? { list: mem.listName(a) } : null;
    } else if (v4 >= 0) {
      f = COMPUTED | ((ti.torExitV4 as (ip: number) => boolean)(v4) ? 1 : 0) | ((ti.torRelayV4 as (ip: number) => boolean)(v4) ? 2 : 0) | ((ti.miningPoolV4 as (ip: number) => boolean)(v4) ? 4 : 0);
      hit = (ti.listedV4 as (ip: number) => { list: string } | null)(v4);
    } else {
      const ip = s.get(id);
      f = COMPUTED | (ti.torExit(ip) ? 1 : 0) | (ti.torRelay(ip) ? 2 : 0) | (ti.miningPool(ip) ? 4 : 0);
      hit = ti.listed(ip);
    }
    if (hit) {
      f |= 8;
      listName.set(id, s.intern(hit.list));
    }
    return f;
  };
  const flags = (id: number): number => {
    if (id === 0 || failed) return 0;
    let f = cache[id] as number;
    if (f === 0) {
      try {
        f = lookup(id);
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
  const marks = batch.marks;
  for (let i = 0; i < batch.length; i++) {
    let m = marks[i] as number;
    const before = m;
    // srcaddr then pkt-srcaddr, dstaddr then pkt-dstaddr: a later list hit names the list
    for (let k = 0; k < 4; k++) {
      const id = k === 0 ? (batch.srcAddr[i] as number) : k === 1 ? (pktSrc ? (pktSrc[i] as number) : 0) : k === 2 ? (batch.dstAddr[i] as number) : pktDst ? (pktDst[i] as number) : 0;
      const f = flags(id);
      if (f === 0 || f === COMPUTED) continue;
      const src = k < 2;
      if (f & 1) m |= src ? SRC_EXIT : DST_EXIT;
      if (f & 2) m |= src ? SRC_RELAY : DST_RELAY;
      if (f & 4) m |= src ? SRC_POOL : DST_POOL;
      if (f & 8) {
        m |= src ? SRC_LIST : DST_LIST;
        if (src) (srcList ??= batch.textColumn('src-threat-list'))[i] = listName.get(id) as number;
        else (dstList ??= batch.textColumn('dst-threat-list'))[i] = listName.get(id) as number;
      }
    }
    if (failed) {
      m |= DEGRADED;
      counts.degraded++;
    }
    if (m !== before) {
      counts.rows += (m & ~DEGRADED) !== (before & ~DEGRADED) ? 1 : 0;
      if ((m & ANY_EXIT) !== (before & ANY_EXIT)) counts.torExit++;
      if ((m & ANY_RELAY) !== (before & ANY_RELAY)) counts.torRelay++;
      if ((m & ANY_POOL) !== (before & ANY_POOL)) counts.miningPool++;
      if ((m & ANY_LIST) !== (before & ANY_LIST)) counts.listed++;
    }
    marks[i] = m;
  }
  return counts;
}
