import { ABSENT, Action, Direction, FlowBatch, LogStatus } from '@flowguard/contracts';
import { AddrKind } from '../estate/address-table';
import type { Estate } from '../estate/estate';
import { EGRESS, type FlowSink, NODATA } from './flow-sink';
import type { SimFormat } from './formats';

/**
 * Writes records straight into FlowBatch columns (no text round trip): for tests
 * and for feeding the detection engine in-process. Each emitted batch has its own
 * string table, as batches from the parser do.
 */
export class BatchFlowSink implements FlowSink {
  records = 0;
  private batch: FlowBatch;
  private addrIds: Uint32Array;
  private eniIds: Uint32Array;
  private stamp = 1;
  private addrStamp: Uint32Array;
  private eniStamp: Uint32Array;
  private readonly v5: boolean;

  constructor(
    private readonly estate: Estate,
    format: SimFormat,
    private readonly batchSize: number,
    private readonly onBatch: (batch: FlowBatch) => void,
  ) {
    this.v5 = format === 'v5';
    this.batch = new FlowBatch(batchSize);
    this.addrIds = new Uint32Array(estate.addrs.size);
    this.addrStamp = new Uint32Array(estate.addrs.size);
    this.eniIds = new Uint32Array(estate.enis.length);
    this.eniStamp = new Uint32Array(estate.enis.length);
  }

  flow(
    eni: number, src: number, dst: number, sp: number, dp: number, proto: number, pk: number, by: number,
    start: number, end: number, action: number, flags: number, dir: number, pktSrc: number, pktDst: number,
  ): void {
    const b = this.batch;
    const i = this.row(eni, start, end);
    b.srcAddr[i] = this.addr(src);
    b.dstAddr[i] = this.addr(dst);
    b.srcPort[i] = sp;
    b.dstPort[i] = dp;
    b.protocol[i] = proto;
    b.packets[i] = pk;
    b.bytes[i] = by;
    b.action[i] = action === 1 ? Action.ACCEPT : Action.REJECT;
    b.logStatus[i] = LogStatus.OK;
    if (this.v5) {
      const ps = pktSrc < 0 ? src : pktSrc;
      const pd = pktDst < 0 ? dst : pktDst;
      b.tcpFlags[i] = flags;
      b.direction[i] = dir === EGRESS ? Direction.EGRESS : Direction.INGRESS;
      const k = this.estate.addrs.kind[pd];
      b.trafficPath[i] = dir === EGRESS ? (k === AddrKind.INTERNAL ? 1 : k === AddrKind.AWS_GATEWAY_SERVICE ? 7 : 8) : ABSENT;
      b.textColumn('type')[i] = b.strings.intern('IPv4');
      b.textColumn('pkt-srcaddr')[i] = this.addr(ps);
      b.textColumn('pkt-dstaddr')[i] = this.addr(pd);
      const ss = this.estate.addrs.awsService[ps];
      const ds = this.estate.addrs.awsService[pd];
      if (ss) b.textColumn('pkt-src-aws-service')[i] = b.strings.intern(ss);
      if (ds) b.textColumn('pkt-dst-aws-service')[i] = b.strings.intern(ds);
    }
    this.commit();
  }

  status(eni: number, start: number, end: number, logStatus: number): void {
    const b = this.batch;
    const i = this.row(eni, start, end);
    b.srcAddr[i] = 0;
    b.dstAddr[i] = 0;
    b.srcPort[i] = ABSENT;
    b.dstPort[i] = ABSENT;
    b.protocol[i] = ABSENT;
    b.packets[i] = ABSENT;
    b.bytes[i] = ABSENT;
    b.action[i] = Action.NONE;
    b.logStatus[i] = logStatus === NODATA ? LogStatus.NODATA : LogStatus.SKIPDATA;
    this.commit();
  }

  /** emit the partly filled batch, if any */
  flush(): void {
    if (this.batch.length === 0) return;
    const full = this.batch;
    this.batch = new FlowBatch(this.batchSize);
    this.stamp++;
    this.onBatch(full);
  }

  private row(eni: number, start: number, end: number): number {
    const b = this.batch;
    const i = b.length;
    b.version[i] = this.v5 ? 5 : 2;
    if (this.eniStamp[eni] !== this.stamp) {
      this.eniStamp[eni] = this.stamp;
      this.eniIds[eni] = b.strings.intern(this.estate.enis[eni]?.interfaceId as string);
    }
    b.accountId[i] = b.strings.intern(this.estate.opts.accountId);
    b.interfaceId[i] = this.eniIds[eni] as number;
    b.start[i] = start;
    b.end[i] = end;
    b.tcpFlags[i] = ABSENT;
    b.direction[i] = Direction.NONE;
    b.trafficPath[i] = ABSENT;
    b.marks[i] = 0;
    if (this.v5) {
      const e = this.estate.enis[eni];
      b.textColumn('vpc-id')[i] = b.strings.intern(this.estate.opts.vpcId);
      b.textColumn('subnet-id')[i] = b.strings.intern(e?.subnetId as string);
      if (e && e.instanceId !== '-') b.textColumn('instance-id')[i] = b.strings.intern(e.instanceId);
      b.textColumn('region')[i] = b.strings.intern(this.estate.opts.region);
      b.textColumn('az-id')[i] = b.strings.intern(e?.azId as string);
    }
    return i;
  }

  private commit(): void {
    this.batch.length++;
    this.records++;
    if (this.batch.length >= this.batchSize) this.flush();
  }

  private addr(id: number): number {
    if (id >= this.addrStamp.length) {
      const n = this.estate.addrs.size;
      const grow = (old: Uint32Array) => {
        const next = new Uint32Array(n);
        next.set(old);
        return next;
      };
      this.addrStamp = grow(this.addrStamp);
      this.addrIds = grow(this.addrIds);
    }
    if (this.addrStamp[id] !== this.stamp) {
      this.addrStamp[id] = this.stamp;
      this.addrIds[id] = this.batch.strings.intern(this.estate.addrs.text[id] as string);
    }
    return this.addrIds[id] as number;
  }
}
