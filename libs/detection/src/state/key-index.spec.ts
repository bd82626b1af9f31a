import { KeyIndex, compactColumn } from './key-index';

describe('KeyIndex', () => {
  it('maps multi-part keys to dense ids in insertion order and grows', () => {
    const k = new KeyIndex(3, 4);
    for (let i = 0; i < 5000; i++) expect(k.upsert(i, -i, i * 7)).toBe(i);
    expect(k.size).toBe(5000);
    expect(k.upsert(42, -42, 294)).toBe(42);
    expect(k.added).toBe(false);
    expect(k.find(4999, -4999, 34993)).toBe(4999);
    expect(k.find(1, 1, 1)).toBe(-1);
    expect([k.key(7, 0), k.key(7, 1), k.key(7, 2)]).toEqual([7, -7, 49]);
  });

  it('refuses inserts beyond maxEntries and counts them', () => {
    const k = new KeyIndex(1, 4, 3);
    expect([k.upsert(1), k.upsert(2), k.upsert(3), k.upsert(4)]).toEqual([0, 1, 2, -1]);
    expect(k.rejected).toBe(1);
    expect(k.upsert(2)).toBe(1);
  });

  it('compacts, renumbering survivors and keeping lookups right', () => {
    const k = new KeyIndex(2, 4);
    const vals = new Float64Array(10);
    for (let i = 0; i < 10; i++) vals[k.upsert(i, i + 100)] = i * 10;
    const keep = new Uint8Array(10);
    keep[2] = keep[5] = keep[9] = 1;
    const remap = k.compact(keep);
    compactColumn(vals, remap);
    expect(k.size).toBe(3);
    expect(k.find(5, 105)).toBe(1);
    expect(vals[k.find(9, 109)]).toBe(90);
    expect(k.find(3, 103)).toBe(-1);
    expect(k.upsert(11, 111)).toBe(3);
  });

  it('clears', () => {
    const k = new KeyIndex(1);
    k.upsert(5);
    k.clear();
    expect(k.size).toBe(0);
    expect(k.find(5)).toBe(-1);
  });
});
