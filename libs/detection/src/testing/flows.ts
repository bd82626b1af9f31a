/**
 * Test helpers: synthetic flow records and batches, and a tiny reader of the
 * default v2 text format for the dataset specs (test-only; the real parser is
 * @flowguard/flowlog).
 */
import { batchFromRecords, FlowBatch, appendRecord, type FlowRecord } from '@flowguard/contracts';

export const T0 = 1_700_000_040; // a minute boundary

export function rec(r: Partial<FlowRecord> & { srcAddr: string; dstAddr: string }): FlowRecord {
  const start = r.start ?? T0;
  return {
    version: 2,
    accountId: '123456789012',
    interfaceId: 'eni-0test',
    srcPort: 40000,
    dstPort: 443,
    protocol: 6,
    packets: 1,
    bytes: 60,
    end: r.end ?? start + 1,
    action: 'ACCEPT',
    logStatus: 'OK',
    ...r,
    start,
  };
}

export function batch(records: FlowRecord[]): FlowBatch {
  return batchFromRecords(records);
}

/** A forward probe plus (optionally) its reverse answer, as VPC logs record them. */
export function pair(fwd: FlowRecord, answer: Partial<FlowRecord> | false = {}): FlowRecord[] {
  if (answer === false) return [fwd];
  return [fwd, { ...fwd, srcAddr: fwd.dstAddr, dstAddr: fwd.srcAddr, srcPort: fwd.dstPort, dstPort: fwd.srcPort, ...answer }];
}

/** Read `version account-id ... log-status` (v2, header optional) into a batch. Test-only. */
export function readV2(text: string): FlowBatch {
  const b = new FlowBatch(1 << 14);
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('version')) continue;
    const f = line.split(' ');
    if (f.length < 14) continue;
    const num = (s: string | undefined) => (s === undefined || s === '-' ? undefined : Number(s));
    appendRecord(b, {
      version: num(f[0]) ?? 2,
      accountId: f[1],
      interfaceId: f[2],
      ...(f[3] !== '-' ? { srcAddr: f[3] } : {}),
      ...(f[4] !== '-' ? { dstAddr: f[4] } : {}),
      srcPort: num(f[5]),
      dstPort: num(f[6]),
      protocol: num(f[7]),
      packets: num(f[8]),
      bytes: num(f[9]),
      start: num(f[10]),
      end: num(f[11]),
      ...(f[12] === 'ACCEPT' || f[12] === 'REJECT' ? { action: f[12] } : {}),
      logStatus: f[13] as 'OK' | 'NODATA' | 'SKIPDATA',
    });
  }
  return b;
}

/** Split a batch into consecutive chunks (streaming simulation), sharing the string table. */
export function chunks(b: FlowBatch, size: number): FlowBatch[] {
  const out: FlowBatch[] = [];
  for (let from = 0; from < b.length; from += size) {
    const n = Math.min(size, b.length - from);
    const keep = new Int32Array(n);
    for (let k = 0; k < n; k++) keep[k] = from + k;
    out.push(b.select(keep));
  }
  return out;
}

/** Rows sorted by start (stable), as a delivery path that orders by time would hand them over. */
export function sortedByStart(b: FlowBatch): FlowBatch {
  const idx = Array.from({ length: b.length }, (_, i) => i).sort((x, y) => (b.start[x] as number) - (b.start[y] as number) || x - y);
  return b.select(Int32Array.from(idx));
}
