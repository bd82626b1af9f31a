/**
 * Evidence samples per entity: copies of a few flow records (never a raw log
 * dump) kept in typed arrays, linked per entity. Detectors sample the first
 * `cold` records of every entity and up to `limit` once the entity looks
 * suspicious, so the copy cost is paid only where a finding is likely.
 */
import type { EvidenceRefV1 } from '@flowguard/contracts';
import type { PreparedBatch } from '../engine/prepared-batch';
import { ensureCapacity } from './key-index';

const ACTION = ['', 'ACCEPT', 'REJECT'] as const;

export interface EvidenceNames {
  ip(id: number): string;
  eni(id: number): string;
  account(id: number): string;
}

export class EvidenceSampler {
  private n = 0;
  private src = new Int32Array(16);
  private dst = new Int32Array(16);
  private sport = new Int32Array(16);
  private dport = new Int32Array(16);
  private proto = new Int16Array(16);
  private packets = new Float64Array(16);
  private bytes = new Float64Array(16);
  private start = new Uint32Array(16);
  private end = new Uint32Array(16);
  private action = new Uint8Array(16);
  private tcpFlags = new Int16Array(16);
  private eni = new Int32Array(16);
  private account = new Int32Array(16);
  private next = new Int32Array(16);
  private head = new Int32Array(16).fill(-1);
  private tail = new Int32Array(16).fill(-1);
  private count = new Uint16Array(16);

  constructor(readonly limit: number) {}

  countOf(entity: number): number {
    return entity < this.count.length ? (this.count[entity] as number) : 0;
  }

  /** Copy row `row` into the sample of `entity` unless it already holds `max` (≤ limit) records. */
  sample(entity: number, p: PreparedBatch, row: number, max = this.limit): void {
    const i = this.link(entity, max);
    if (i < 0) return;
    const b = p.batch;
    this.src[i] = p.srcIp[row] as number;
    this.dst[i] = p.dstIp[row] as number;
    this.sport[i] = b.srcPort[row] as number;
    this.dport[i] = b.dstPort[row] as number;
    this.proto[i] = b.protocol[row] as number;
    this.packets[i] = b.packets[row] as number;
    this.bytes[i] = b.bytes[row] as number;
    this.start[i] = b.start[row] as number;
    this.end[i] = b.end[row] as number;
    this.action[i] = b.action[row] as number;
    this.tcpFlags[i] = b.tcpFlags[row] as number;
    this.eni[i] = p.eni[row] as number;
    this.account[i] = p.account[row] as number;
  }

  /** Append the samples of `fromEntity` in `from` to `entity` here, up to the limit (windows merged from panes). */
  copyFrom(from: EvidenceSampler, fromEntity: number, entity: number): void {
    if (fromEntity >= from.head.length) return;
    for (let j = from.head[fromEntity] as number; j >= 0; j = from.next[j] as number) {
      const i = this.link(entity);
      if (i < 0) return;
      this.src[i] = from.src[j] as number;
      this.dst[i] = from.dst[j] as number;
      this.sport[i] = from.sport[j] as number;
      this.dport[i] = from.dport[j] as number;
      this.proto[i] = from.proto[j] as number;
      this.packets[i] = from.packets[j] as number;
      this.bytes[i] = from.bytes[j] as number;
      this.start[i] = from.start[j] as number;
      this.end[i] = from.end[j] as number;
      this.action[i] = from.action[j] as number;
      this.tcpFlags[i] = from.tcpFlags[j] as number;
      this.eni[i] = from.eni[j] as number;
      this.account[i] = from.account[j] as number;
    }
  }

  /** A new sample slot linked at the tail of `entity`'s list, or -1 when it already holds `max` (≤ limit). */
  private link(entity: number, max = this.limit): number {
    if (entity >= this.head.length) {
      const old = this.head.length;
      this.head = ensureCapacity(this.head, entity + 1);
      this.tail = ensureCapacity(this.tail, entity + 1);
      this.count = ensureCapacity(this.count, entity + 1);
      this.head.fill(-1, old);
      this.tail.fill(-1, old);
    }
    const c = this.count[entity] as number;
    if (c >= max || c >= this.limit) return -1;
    const i = this.n++;
    if (i >= this.src.length) this.grow(i + 1);
    this.next[i] = -1;
    const t = this.tail[entity] as number;
    if (t < 0) this.head[entity] = i;
    else this.next[t] = i;
    this.tail[entity] = i;
    this.count[entity] = c + 1;
    return i;
  }

  private grow(need: number): void {
    this.src = ensureCapacity(this.src, need);
    this.dst = ensureCapacity(this.dst, need);
    this.sport = ensureCapacity(this.sport, need);
    this.dport = ensureCapacity(this.dport, need);
    this.proto = ensureCapacity(this.proto, need);
    this.packets = ensureCapacity(this.packets, need);
    this.bytes = ensureCapacity(this.bytes, need);
    this.start = ensureCapacity(this.start, need);
    this.end = ensureCapacity(this.end, need);
    this.action = ensureCapacity(this.action, need);
    this.tcpFlags = ensureCapacity(this.tcpFlags, need);
    this.eni = ensureCapacity(this.eni, need);
    this.account = ensureCapacity(this.account, need);
    this.next = ensureCapacity(this.next, need);
  }

  refs(entity: number, names: EvidenceNames): EvidenceRefV1[] {
    const out: EvidenceRefV1[] = [];
    if (entity >= this.head.length) return out;
    for (let i = this.head[entity] as number; i >= 0; i = this.next[i] as number) {
      const eni = this.eni[i] as number;
      const flags = this.tcpFlags[i] as number;
      out.push({
        ...(eni >= 0 && names.eni(eni) ? { interfaceId: names.eni(eni) } : {}),
        srcAddr: names.ip(this.src[i] as number),
        dstAddr: names.ip(this.dst[i] as number),
        srcPort: this.sport[i] as number,
        dstPort: this.dport[i] as number,
        protocol: this.proto[i] as number,
        packets: this.packets[i] as number,
        bytes: this.bytes[i] as number,
        start: this.start[i] as number,
        end: this.end[i] as number,
        action: ACTION[this.action[i] as number] ?? '',
        ...(flags >= 0 ? { tcpFlags: flags } : {}),
      });
    }
    return out;
  }

  /** Distinct ENIs and the first account among an entity's samples (anomaly context). */
  context(entity: number, names: EvidenceNames): { interfaceIds: string[]; accountId?: string } {
    const enis = new Set<string>();
    let accountId: string | undefined;
    if (entity < this.head.length) {
      for (let i = this.head[entity] as number; i >= 0; i = this.next[i] as number) {
        const e = names.eni(this.eni[i] as number);
        if (e) enis.add(e);
        if (accountId === undefined) accountId = names.account(this.account[i] as number) || undefined;
      }
    }
    return { interfaceIds: [...enis], ...(accountId ? { accountId } : {}) };
  }

  clear(): void {
    if (this.n === 0) return;
    this.n = 0;
    this.head.fill(-1);
    this.tail.fill(-1);
    this.count.fill(0);
  }
}
