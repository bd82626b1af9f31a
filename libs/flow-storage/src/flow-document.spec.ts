import { batchFromRecords, recordAt } from '@flowguard/contracts';
import { documentFromRecord, documentFromRow, flowIdOf, recordFromDocument } from './flow-document';
import { flowFixtures } from './testing/flow-fixtures';
import { must } from './testing/must';

describe('flow documents', () => {
  const records = [
    ...flowFixtures({ count: 40, rich: true }),
    ...flowFixtures({ count: 10, seed: 5 }),
    { version: 2, interfaceId: 'eni-9', start: 1709647200, end: 1709647260, logStatus: 'NODATA' as const },
  ];
  const batch = batchFromRecords(records);

  it('are identical (same keys, same order, same flow_id) from a batch row and from its record', () => {
    for (let i = 0; i < batch.length; i++) {
      expect(JSON.stringify(documentFromRow(batch, i))).toBe(JSON.stringify(documentFromRecord(recordAt(batch, i))));
    }
  });

  it('use AWS underscore names and omit absent values', () => {
    const doc = documentFromRow(batch, 0);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['account_id', 'interface_id', 'srcaddr', 'dstaddr', 'srcport', 'log_status', 'vpc_id', 'flow_id']));
    const nodata = documentFromRow(batch, batch.length - 1);
    expect(nodata).not.toHaveProperty('srcaddr');
    expect(nodata).not.toHaveProperty('action');
    expect(nodata['log_status']).toBe('NODATA');
  });

  it('read back to the record they were made from', () => {
    for (let i = 0; i < batch.length; i++) expect(recordFromDocument(documentFromRow(batch, i))).toEqual(recordAt(batch, i));
  });

  it('give different flows different ids and equal flows equal ids', () => {
    const ids = new Set(records.map(flowIdOf));
    expect(ids.size).toBe(records.length);
    const first = must(records[0]);
    expect(flowIdOf({ ...first })).toBe(flowIdOf(first));
    expect(flowIdOf({ ...first, bytes: (first.bytes ?? 0) + 1 })).not.toBe(flowIdOf(first));
    expect(flowIdOf(first)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
