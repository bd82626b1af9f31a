import { type FlowRecord } from '@flowguard/contracts';
import { parseFlowLogText } from '@flowguard/flowlog';
import { recordAt } from '@flowguard/contracts';
import { csvCell, exportHeader, exportLines } from './flow-export.format';

const records: FlowRecord[] = [
  {
    version: 5, accountId: '123456789012', interfaceId: 'eni-0abc', srcAddr: '10.0.0.5', dstAddr: '203.0.113.9', srcPort: 40000, dstPort: 443,
    protocol: 6, packets: 12, bytes: 3400, start: 1700000000, end: 1700000060, action: 'ACCEPT', logStatus: 'OK', tcpFlags: 3,
    flowDirection: 'egress', trafficPath: 8, marks: 4,
    fields: { 'vpc-id': 'vpc-1', 'pkt-dstaddr': '203.0.113.9', 'dst-country': 'NL', 'dst-as-org': 'Example, "Inc."', 'dst-ptr': '=HYPERLINK("x")' },
  },
  { version: 2, accountId: '123456789012', interfaceId: 'eni-0def', start: 1700000100, end: 1700000160, logStatus: 'NODATA' },
];

describe('flow export rows', () => {
  it('writes flow-log text with a header that the parser reads back into the same records', () => {
    const text = exportHeader('log') + exportLines(records, 'log');
    const r = parseFlowLogText(text);
    expect(r.errors).toEqual([]);
    expect(r.batch.length).toBe(2);
    const back = recordAt(r.batch, 0);
    expect(back).toMatchObject({ srcAddr: '10.0.0.5', dstPort: 443, tcpFlags: 3, flowDirection: 'egress', trafficPath: 8 });
    expect(back.fields).toMatchObject({ 'vpc-id': 'vpc-1', 'pkt-dstaddr': '203.0.113.9' });
    expect(recordAt(r.batch, 1)).toMatchObject({ interfaceId: 'eni-0def', logStatus: 'NODATA' });
  });

  it('writes CSV with one column per field, empty cells for absent values, quoted text, and no formulas', () => {
    const lines = (exportHeader('csv') + exportLines(records, 'csv')).trimEnd().split('\n');
    const header = (lines[0] as string).split(',');
    expect(header.slice(0, 4)).toEqual(['version', 'account-id', 'interface-id', 'srcaddr']);
    expect(header.at(-1)).toBe('marks');
    const row = lines[1] as string;
    expect(row.startsWith('5,123456789012,eni-0abc,10.0.0.5,203.0.113.9,40000,443,6,12,3400,1700000000,1700000060,ACCEPT,OK,vpc-1,,,3,')).toBe(true);
    expect(row).toContain('"Example, ""Inc."""');
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row.endsWith(',4')).toBe(true);
    // the NODATA row: absent ports and addresses are empty cells, not '-' or -1
    expect((lines[2] as string).split(',').slice(3, 7)).toEqual(['', '', '', '']);
    expect((lines[2] as string).split(',')).toHaveLength(header.length);
  });

  it('writes JSON Lines of the records as they are', () => {
    const lines = exportLines(records, 'jsonl').trimEnd().split('\n');
    expect(exportHeader('jsonl')).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(records);
  });

  it('neutralises spreadsheet formulas but leaves negative numbers alone', () => {
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+1-555')).toBe("'+1-555");
    expect(csvCell('-1')).toBe('-1');
    expect(csvCell('a\nb')).toBe('"a\nb"');
  });
});
