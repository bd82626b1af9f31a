/**
 * IP addresses known to one engine: integer ids plus per-address attributes
 * computed once (internal CIDR, Tor, mining pool, custom list) so detectors
 * test a bit instead of doing a CIDR or list lookup per record.
 */
import type { StringTable } from '@flowguard/contracts';
import { IpSet, type ThreatIntelLookup } from '@flowguard/threat-intel';
import { ensureCapacity } from '../state/key-index';
import { InternTable } from './intern-table';

export const IpAttr = {
  INTERNAL: 1,
  TOR_EXIT: 2,
  TOR_RELAY: 4,
  MINING_POOL: 8,
  LISTED: 16,
  /** multicast, broadcast, unspecified: never a peer of a connection */
  NON_UNICAST: 32,
} as const;

const NON_UNICAST_CIDRS = ['224.0.0.0/4', '255.255.255.255/32', '0.0.0.0/32', 'ff00::/8', '::/128'];

export class IpRegistry extends InternTable {
  attrs = new Uint8Array(1024);
  /** last event time (start, s) the address appeared in a flow */
  lastSeen = new Uint32Array(1024);
  private readonly listedInfo = new Map<number, { list: string; reason?: string }>();
  private readonly internal = new IpSet();
  private readonly nonUnicast = new IpSet();
  /**
   * IPv4 address (uint32 as int32) → id: the same mapping as the string index, reached without
   * hashing a string. Every batch brings a new string table, so each distinct address of a batch
   * used to cost a Map lookup of a freshly decoded string (~7 % of `flowguard analyze`).
   * Slots: [address, id + 1 (0 = empty)]. Cleared when ids are recycled; refilled on use.
   */
  private v4 = new Int32Array(2048 * 2);
  private v4Mask = 2047;
  private v4Count = 0;
  private v4Table: StringTable | null = null;
  private v4Values: Float64Array = new Float64Array(0);
  /** the IPv4 number of the address being added (for onNew), -1 otherwise */
  private pendingV4 = -1;

  constructor(internalCidrs: readonly string[], private readonly ti: ThreatIntelLookup) {
    super();
    for (const c of internalCidrs) this.internal.add(c);
    for (const c of NON_UNICAST_CIDRS) this.nonUnicast.add(c);
  }

  protected override onNew(id: number, s: string): void {
    if (id >= this.attrs.length) {
      this.attrs = ensureCapacity(this.attrs, id + 1);
      this.lastSeen = ensureCapacity(this.lastSeen, id + 1);
    }
    let a = 0;
    this.listedInfo.delete(id);
    const v4 = this.pendingV4;
    const ti = this.ti;
    if (v4 >= 0 && ti.torExitV4 && ti.torRelayV4 && ti.miningPoolV4 && ti.listedV4) {
      // the same answers as the string lookups below (canonical IPv4 text), without parsing the text again
      if (this.internal.lookupV4(v4) !== null) a |= IpAttr.INTERNAL;
      if (this.nonUnicast.lookupV4(v4) !== null) a |= IpAttr.NON_UNICAST;
      if (ti.torExitV4(v4)) a |= IpAttr.TOR_EXIT;
      if (ti.torRelayV4(v4)) a |= IpAttr.TOR_RELAY;
      if (ti.miningPoolV4(v4)) a |= IpAttr.MINING_POOL;
      const listed = ti.listedV4(v4);
      if (listed) {
        a |= IpAttr.LISTED;
        this.listedInfo.set(id, listed);
      }
    } else if (s) {
      if (this.internal.has(s)) a |= IpAttr.INTERNAL;
      if (this.nonUnicast.has(s)) a |= IpAttr.NON_UNICAST;
      if (ti.torExit(s)) a |= IpAttr.TOR_EXIT;
      if (ti.torRelay(s)) a |= IpAttr.TOR_RELAY;
      if (ti.miningPool(s)) a |= IpAttr.MINING_POOL;
      const listed = ti.listed(s);
      if (listed) {
        a |= IpAttr.LISTED;
        this.listedInfo.set(id, listed);
      }
    }
    this.attrs[id] = a;
    this.lastSeen[id] = 0;
  }

  /** Resolve one batch string id (see InternTable.resolve), IPv4 text by its number. */
  override resolve(table: StringTable, map: Int32Array, sid: number): number {
    let id = map[sid] as number;
    if (id >= 0) return id;
    if (table !== this.v4Table || sid >= this.v4Values.length) {
      this.v4Table = table;
      this.v4Values = table.ipv4Values();
    }
    const n = this.v4Values[sid] as number;
    if (!(n >= 0)) return super.resolve(table, map, sid);
    const key = n | 0;
    const t = this.v4;
    const m = this.v4Mask;
    let s = v4Slot(key) & m;
    for (;;) {
      const v = t[(s << 1) + 1] as number;
      if (v === 0) break;
      if (t[s << 1] === key) {
        map[sid] = v - 1;
        return v - 1;
      }
      s = (s + 1) & m;
    }
    this.pendingV4 = n;
    id = super.resolve(table, map, sid);
    this.pendingV4 = -1;
    t[s << 1] = key;
    t[(s << 1) + 1] = id + 1;
    if (++this.v4Count * 2 > m + 1) this.rehashV4((m + 1) * 2);
    return id;
  }

  private rehashV4(slots: number): void {
    const old = this.v4;
    const t = new Int32Array(slots * 2);
    const m = slots - 1;
    for (let o = 0; o < old.length; o += 2) {
      if (old[o + 1] === 0) continue;
      const key = old[o] as number;
      let s = v4Slot(key) & m;
      while (t[(s << 1) + 1] !== 0) s = (s + 1) & m;
      t[s << 1] = key;
      t[(s << 1) + 1] = old[o + 1] as number;
    }
    this.v4 = t;
    this.v4Mask = m;
  }

  listed(id: number): { list: string; reason?: string } | undefined {
    return this.listedInfo.get(id);
  }

  /** Recycle addresses idle since before `before` (event seconds). */
  recycleIdle(before: number): number {
    return this.recycle((id) => (this.lastSeen[id] as number) < before);
  }

  override recycle(drop: (id: number) => boolean): number {
    const n = super.recycle(drop);
    if (n > 0 && this.v4Count > 0) {
      // recycled ids are reused for other addresses: forget every number, the strings relearn them
      this.v4.fill(0);
      this.v4Count = 0;
    }
    return n;
  }
}

function v4Slot(key: number): number {
  const h = Math.imul(key ^ 0x27d4eb2d, 0x85ebca6b);
  return h ^ (h >>> 16);
}
