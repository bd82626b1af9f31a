import { ACCEPT, EGRESS, Flags, type FlowSink, INGRESS, TCP } from './flow-sink';

/**
 * One connection within one aggregation window, written the way VPC flow logs see
 * it: a request record and (if answered) a response record with the ports swapped,
 * on every ENI the packets cross. Set the public fields, then call `write`.
 * One instance is reused for every connection, so the hot path allocates nothing.
 */
export class ConnectionWriter {
  /** ENI of the initiating side, -1 when it is outside the VPC */
  srcEni = -1;
  /** ENI of the responding side, -1 when it is outside the VPC */
  dstEni = -1;
  /** NAT gateway ENI and its address, when the initiator reaches the internet through NAT */
  natEni = -1;
  natAddr = -1;
  src = 0;
  dst = 0;
  srcPort = 0;
  dstPort = 0;
  protocol = TCP;
  reqPackets = 1;
  reqBytes = 60;
  respPackets = 0;
  respBytes = 0;
  start = 0;
  end = 0;
  /** what the responder's security group did with the request */
  dstAction = ACCEPT;
  reqFlags: number = Flags.SYN_FIN;
  respFlags: number = Flags.SYN_ACK_FIN;

  /** Typical short TCP exchange: SYN..FIN each way, answered. */
  tcp(src: number, dst: number, srcPort: number, dstPort: number, start: number, end: number): this {
    this.src = src;
    this.dst = dst;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.start = start;
    this.end = end;
    this.protocol = TCP;
    this.dstAction = ACCEPT;
    this.reqFlags = Flags.SYN_FIN;
    this.respFlags = Flags.SYN_ACK_FIN;
    this.natEni = -1;
    this.natAddr = -1;
    return this;
  }

  on(srcEni: number, dstEni: number): this {
    this.srcEni = srcEni;
    this.dstEni = dstEni;
    return this;
  }

  sizes(reqPackets: number, reqBytes: number, respPackets: number, respBytes: number): this {
    this.reqPackets = reqPackets;
    this.reqBytes = reqBytes;
    this.respPackets = respPackets;
    this.respBytes = respBytes;
    return this;
  }

  /** Write up to `limit` records (requests first); returns how many were written. */
  write(sink: FlowSink, limit = Number.MAX_SAFE_INTEGER): number {
    const answered = this.respPackets > 0 && this.dstAction === ACCEPT;
    const s = this.src;
    const d = this.dst;
    let n = 0;
    // Requests on every ENI first, then responses, so a truncated connection stays plausible.
    if (this.srcEni >= 0 && n < limit) {
      sink.flow(this.srcEni, s, d, this.srcPort, this.dstPort, this.protocol, this.reqPackets, this.reqBytes,
        this.start, this.end, ACCEPT, this.reqFlags, EGRESS, -1, -1);
      n++;
    }
    if (this.natEni >= 0 && n < limit) {
      sink.flow(this.natEni, this.natAddr, d, this.srcPort, this.dstPort, this.protocol, this.reqPackets, this.reqBytes,
        this.start, this.end, ACCEPT, this.reqFlags, EGRESS, s, -1);
      n++;
    }
    if (this.dstEni >= 0 && n < limit) {
      sink.flow(this.dstEni, s, d, this.srcPort, this.dstPort, this.protocol, this.reqPackets, this.reqBytes,
        this.start, this.end, this.dstAction, this.reqFlags, INGRESS, -1, -1);
      n++;
    }
    if (!answered) return n;
    if (this.dstEni >= 0 && n < limit) {
      sink.flow(this.dstEni, d, s, this.dstPort, this.srcPort, this.protocol, this.respPackets, this.respBytes,
        this.start, this.end, ACCEPT, this.respFlags, EGRESS, -1, -1);
      n++;
    }
    if (this.natEni >= 0 && n < limit) {
      sink.flow(this.natEni, d, this.natAddr, this.dstPort, this.srcPort, this.protocol, this.respPackets, this.respBytes,
        this.start, this.end, ACCEPT, this.respFlags, INGRESS, -1, s);
      n++;
    }
    if (this.srcEni >= 0 && n < limit) {
      sink.flow(this.srcEni, d, s, this.dstPort, this.srcPort, this.protocol, this.respPackets, this.respBytes,
        this.start, this.end, ACCEPT, this.respFlags, INGRESS, -1, -1);
      n++;
    }
    return n;
  }
}

