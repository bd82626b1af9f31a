/**
 * Allow-list matching. Entries are compiled once; each address gets (lazily,
 * once per allow-list version) the list of entries whose CIDR contains it, so
 * a record whose two addresses match nothing costs two array reads.
 * Expired entries stop matching at the first batch after their expiry.
 */
import { cidrContains, parseCidr, parseIp, type ParsedCidr } from '@flowguard/threat-intel';
import type { AllowListEntry } from '../config/detection-config';
import { ensureCapacity } from '../state/key-index';

interface Compiled {
  entry: AllowListEntry;
  cidr: ParsedCidr;
  ports: Uint8Array | null;
  src: boolean;
  dst: boolean;
  reverse: boolean;
  expiresAtMs: number;
}

export class AllowList {
  private readonly all: Compiled[];
  private active: Compiled[] = [];
  private version = 1;
  private refVersion = new Uint32Array(1024);
  private ref = new Int32Array(1024);
  private lists: Compiled[][] = [[]];
  private listIndex = new Map<string, number>();
  /** matches per entry id */
  readonly hits = new Map<string, number>();
  private nextExpiry = Infinity;

  constructor(entries: AllowListEntry[]) {
    this.all = entries.map((entry) => {
      const ports = entry.ports?.length ? new Uint8Array(65536) : null;
      for (const p of entry.ports ?? []) (ports as Uint8Array)[p] = 1;
      return {
        entry,
        cidr: parseCidr(entry.cidr) as ParsedCidr,
        ports,
        src: entry.side !== 'destination',
        dst: entry.side !== 'source',
        reverse: entry.includeReverse !== false,
        expiresAtMs: entry.expiresAt ? Date.parse(entry.expiresAt) : Infinity,
      };
    });
    this.refresh(-Infinity);
  }

  get empty(): boolean {
    return this.active.length === 0;
  }

  /** Drop entries expired at wall-clock `nowMs`; cheap when nothing expires. */
  refresh(nowMs: number): void {
    if (nowMs < this.nextExpiry && this.version > 1) return;
    this.active = this.all.filter((c) => c.expiresAtMs > nowMs);
    this.nextExpiry = Math.min(Infinity, ...this.active.map((c) => c.expiresAtMs));
    this.version++;
    this.lists = [[]];
    this.listIndex.clear();
  }

  /** Forget cached per-address lists (after address ids were recycled). */
  invalidate(): void {
    this.version++;
  }

  expiredCount(nowMs: number): number {
    return this.all.filter((c) => c.expiresAtMs <= nowMs).length;
  }

  private listFor(ipId: number, ipText: string): Compiled[] {
    if (ipId >= this.ref.length) {
      this.ref = ensureCapacity(this.ref, ipId + 1);
      this.refVersion = ensureCapacity(this.refVersion, ipId + 1);
    }
    if (this.refVersion[ipId] !== this.version) {
      const ip = parseIp(ipText);
      const matching = ip ? this.active.filter((c) => cidrContains(c.cidr, ip)) : [];
      let idx = 0;
      if (matching.length) {
        const key = matching.map((c) => c.entry.id).join('\u0000');
        idx = this.listIndex.get(key) ?? -1;
        if (idx < 0) {
          idx = this.lists.length;
          this.lists.push(matching);
          this.listIndex.set(key, idx);
        }
      }
      this.ref[ipId] = idx;
      this.refVersion[ipId] = this.version;
    }
    return this.lists[this.ref[ipId] as number] as Compiled[];
  }

  /**
   * The entry allowing a record, or null. `srcIp/dstIp` are engine ids with
   * their text (used only the first time an address is seen per version).
   */
  match(srcIp: number, srcText: string, dstIp: number, dstText: string, srcPort: number, dstPort: number): AllowListEntry | null {
    const ls = this.listFor(srcIp, srcText);
    const ld = this.listFor(dstIp, dstText);
    if (ls.length === 0 && ld.length === 0) return null;
    for (const c of ls) {
      // originator view: the source side with the flow's service port
      if (c.src && (!c.ports || (dstPort >= 0 && c.ports[dstPort]))) return this.hit(c);
      // reverse record of a flow to an allowed destination service
      if (c.dst && c.reverse && (!c.ports || (srcPort >= 0 && c.ports[srcPort]))) return this.hit(c);
    }
    for (const c of ld) {
      if (c.dst && (!c.ports || (dstPort >= 0 && c.ports[dstPort]))) return this.hit(c);
      // reverse record of a flow from an allowed source
      if (c.src && c.reverse && (!c.ports || (srcPort >= 0 && c.ports[srcPort]))) return this.hit(c);
    }
    return null;
  }

  private hit(c: Compiled): AllowListEntry {
    this.hits.set(c.entry.id, (this.hits.get(c.entry.id) ?? 0) + 1);
    return c.entry;
  }
}
