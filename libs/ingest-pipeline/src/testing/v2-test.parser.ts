/**
 * TEST ONLY: a minimal default-format (v2) line parser so the delivery specs do
 * not depend on the parser library's progress. Production wiring injects
 * `parseFlowLogText` from @flowguard/flowlog (see docs/ingest.md). Not exported
 * from the library.
 */
import { appendRecord, FlowBatch } from '@flowguard/contracts';
import type { ParseErrorLike, ParseFlowText } from '../ports/ingest.port';

const num = (s: string) => (s === '-' ? undefined : Number(s));

export const parseV2ForTests: ParseFlowText = (text) => {
  const batch = new FlowBatch(16);
  const errors: ParseErrorLike[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('version ')) return;
    const f = line.split(' ');
    if (f.length !== 14) {
      errors.push({ line: i + 1, reason: 'field_count', message: `expected 14 fields, got ${f.length}`, raw });
      return;
    }
    const [version, accountId, interfaceId, srcAddr, dstAddr, sp, dp, proto, packets, bytes, start, end, action, status] = f as [string, ...string[]];
    if (Number.isNaN(Number(start))) {
      errors.push({ line: i + 1, field: 'start', reason: 'not_a_number', message: `start ${start} is not a number`, raw });
      return;
    }
    appendRecord(batch, {
      version: Number(version), accountId, interfaceId, srcAddr, dstAddr, srcPort: num(sp!), dstPort: num(dp!), protocol: num(proto!),
      packets: num(packets!), bytes: num(bytes!), start: Number(start), end: Number(end),
      action: action === '-' ? undefined : (action as 'ACCEPT'), logStatus: status as 'OK',
    });
  });
  return { batch, errors };
};
