import { OriginHeaders, StampError, readStamp, stampHeaders } from './origin-stamp';

describe('origin stamps', () => {
  const stamp = { origin: 4, rows: [[10, 3], [12, 0], [13, 5]] as Array<[number, number]>, last: 15, progress: 1_700_000_000, progressTs: 1_700_000_123_456 };

  it('round-trips through message headers', () => {
    expect(readStamp(stampHeaders(stamp), 8)).toEqual(stamp);
    expect(readStamp(stampHeaders({ ...stamp, rows: [] }), 0)).toEqual({ ...stamp, rows: [] });
  });

  it('is absent on messages the repartition stage did not write', () => {
    expect(readStamp({ 'content-type': 'x' }, 3)).toBeNull();
  });

  it.each([
    ['a row count that disagrees with the batch', stampHeaders(stamp), 7],
    ['offsets out of order', { ...stampHeaders(stamp), [OriginHeaders.rows]: '13:5,10:3' }, 8],
    ['a non-numeric field', { ...stampHeaders(stamp), [OriginHeaders.progress]: 'soon' }, 8],
    ['a missing field', (() => { const h = stampHeaders(stamp); delete h[OriginHeaders.last]; return h; })(), 8],
    ['last before the listed offsets', { ...stampHeaders(stamp), [OriginHeaders.last]: '12' }, 8],
    ['a broken rows entry', { ...stampHeaders(stamp), [OriginHeaders.rows]: '10-3' }, 8],
  ])('rejects %s with a StampError', (_label, headers, rows) => {
    expect(() => readStamp(headers, rows)).toThrow(StampError);
  });
});
