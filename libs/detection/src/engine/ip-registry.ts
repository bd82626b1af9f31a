/**
 * IP addresses known to one engine: integer ids plus per-address attributes
 * computed once (internal CIDR, Tor, mining pool, custom list) so detectors
 * test a bit instead of doing a CIDR or list lookup per record.
 */
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
    if (s) {
      if (this.internal.has(s)) a |= IpAttr.INTERNAL;
      if (this.nonUnicast.has(s)) a |= IpAttr.NON_UNICAST;
      if (this.ti.torExit(s)) a |= IpAttr.TOR_EXIT;
      if (this.ti.torRelay(s)) a |= IpAttr.TOR_RELAY;
      if (this.ti.miningPool(s)) a |= IpAttr.MINING_POOL;
      const listed = this.ti.listed(s);
      if (listed) {
        a |= IpAttr.LISTED;
        this.listedInfo.set(id, listed);
      }
    }
    this.attrs[id] = a;
    this.lastSeen[id] = 0;
  }

  listed(id: number): { list: string; reason?: string } | undefined {
    return this.listedInfo.get(id);
  }

  /** Recycle addresses idle since before `before` (event seconds). */
  recycleIdle(before: number): number {
    return this.recycle((id) => (this.lastSeen[id] as number) < before);
  }
}
