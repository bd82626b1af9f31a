/** Values the generators pass to sinks; the same numbers as the FlowBatch columns use. */
export const ACCEPT = 1;
export const REJECT = 2;
export const INGRESS = 1;
export const EGRESS = 2;
export const TCP = 6;
export const UDP = 17;
export const ICMP = 1;
/** tcp-flags as VPC flow logs report them (OR-ed within the window). */
export const Flags = { NONE: 0, FIN: 1, SYN: 2, RST: 4, SYN_FIN: 3, SYN_ACK: 18, SYN_ACK_FIN: 19 } as const;
/** log-status codes for status rows */
export const NODATA = 1;
export const SKIPDATA = 2;

/**
 * Where generated records go. Addresses and ENIs are ids into the estate's tables;
 * `pktSrc`/`pktDst` are -1 when equal to src/dst (only NAT rows differ).
 * The argument list is long on purpose: one call per record, no object per record.
 */
export interface FlowSink {
  flow(
    eni: number, src: number, dst: number, srcPort: number, dstPort: number, protocol: number,
    packets: number, bytes: number, start: number, end: number, action: number, tcpFlags: number,
    direction: number, pktSrc: number, pktDst: number,
  ): void;
  /** a NODATA / SKIPDATA row for an ENI */
  status(eni: number, start: number, end: number, logStatus: number): void;
}

/** Counts records without producing them: used to plan exact record budgets. */
export class CountingSink implements FlowSink {
  count = 0;
  flow(): void {
    this.count++;
  }
  status(): void {
    this.count++;
  }
}

/** Forwards to another sink and marks every address id it sees (which addresses benign traffic used). */
export class MarkingSink implements FlowSink {
  constructor(private readonly inner: FlowSink, private readonly used: Uint8Array) {}
  flow(
    eni: number, src: number, dst: number, sp: number, dp: number, proto: number, pk: number, by: number,
    start: number, end: number, action: number, flags: number, dir: number, pktSrc: number, pktDst: number,
  ): void {
    this.used[src] = 1;
    this.used[dst] = 1;
    if (pktSrc >= 0) this.used[pktSrc] = 1;
    if (pktDst >= 0) this.used[pktDst] = 1;
    this.inner.flow(eni, src, dst, sp, dp, proto, pk, by, start, end, action, flags, dir, pktSrc, pktDst);
  }
  status(eni: number, start: number, end: number, logStatus: number): void {
    this.inner.status(eni, start, end, logStatus);
  }
}
