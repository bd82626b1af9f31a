/**
 * One pass over a FlowBatch that every detector then reads: engine address
 * ids, row classification bits and the list of rows that count as flows
 * (OK status, not late, not allow-listed). Detectors never re-derive these.
 */
import type { FlowBatch } from '@flowguard/contracts';
import { ensureCapacity } from '../state/key-index';

export const RowFlag = {
  /** the answer of a connection (SYN-ACK, or service port → ephemeral port) */
  RESPONSE: 1,
  SRC_LOCAL: 2,
  DST_LOCAL: 4,
  /** a connection attempt that carried no payload, or was rejected */
  PROBE: 8,
  /** a REJECT of FIN/RST packets after a connection closed: not an attempt */
  CLOSING: 16,
  TCP: 32,
  UDP: 64,
  ACCEPT: 128,
  REJECT: 256,
  /** both ports ephemeral, no flags: request or response cannot be told apart, so never a probe */
  AMBIGUOUS: 512,
  /** destination is multicast/broadcast: discovery chatter, not a connection */
  DST_NON_UNICAST: 1024,
  /**
   * a UDP request of a few datagrams carrying a service payload (≤ udpProbeMaxBytesPerPacket):
   * how UDP services are probed (SIP OPTIONS, SNMP, DNS). Counted by the vertical scan only.
   */
  PROBE_PAYLOAD: 2048,
} as const;

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, ACK: 16, SYN_ACK: 18 } as const;

export class PreparedBatch {
  batch!: FlowBatch;
  /** number of flow rows to analyse */
  n = 0;
  /** the slice of `rows` detectors ingest now: rows[from..to) */
  from = 0;
  to = 0;
  /** numbers the slices handed to detectors (bumped by the engine before each): lets detectors share per-slice work */
  seq = 0;
  /** flow rows are in non-decreasing start order (lets the engine close windows while ingesting) */
  sorted = true;
  /** their row indices, ascending */
  rows = new Int32Array(1024);
  /** engine address ids per row (all rows of the batch) */
  srcIp = new Int32Array(1024);
  dstIp = new Int32Array(1024);
  /** engine ENI ids per row */
  eni = new Int32Array(1024);
  /** engine account ids per row */
  account = new Int32Array(1024);
  flags = new Uint16Array(1024);
  /** SKIPDATA rows (telemetry), not late */
  skipRows = new Int32Array(64);
  skipN = 0;

  reset(batch: FlowBatch): void {
    this.batch = batch;
    const len = batch.length;
    if (len > this.srcIp.length) {
      this.rows = ensureCapacity(this.rows, len);
      this.srcIp = ensureCapacity(this.srcIp, len);
      this.dstIp = ensureCapacity(this.dstIp, len);
      this.eni = ensureCapacity(this.eni, len);
      this.account = ensureCapacity(this.account, len);
      this.flags = ensureCapacity(this.flags, len);
    }
    this.n = 0;
    this.from = 0;
    this.to = 0;
    this.sorted = true;
    this.skipN = 0;
  }

  addSkip(row: number): void {
    if (this.skipN >= this.skipRows.length) this.skipRows = ensureCapacity(this.skipRows, this.skipN + 1);
    this.skipRows[this.skipN++] = row;
  }
}
