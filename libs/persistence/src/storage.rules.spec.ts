import { decodeCursor, encodeCursor, isPlainObject } from './cursor.codec';
import { InvalidCursorError, MAX_PAGE_LIMIT, StorageValidationError } from './repositories.port';
import { appendCapped, applyPatch, clampLimit, normalizeEntry, prepareNewIncident, StorageLimits } from './storage.rules';
import { sampleEntry, sampleIncident } from './contract/fixtures';

describe('storage rules', () => {
  it('clamps page limits', () => {
    expect(clampLimit(undefined)).toBe(50);
    expect(clampLimit(Number.NaN)).toBe(50);
    expect(clampLimit(-3)).toBe(1);
    expect(clampLimit(7.9)).toBe(7);
    expect(clampLimit(1e9)).toBe(MAX_PAGE_LIMIT);
  });

  it('keeps the first entry and the newest ones when the timeline is full', () => {
    const e = (i: number) => sampleEntry({ at: i, text: String(i) });
    let tl = [e(0)];
    for (let i = 1; i <= 10; i++) tl = appendCapped(tl, e(i), 4);
    expect(tl.map((x) => x.text)).toEqual(['0', '8', '9', '10']);
    expect(appendCapped([], e(1), 1)).toHaveLength(1);
  });

  it('cuts long texts and drops unknown entry fields', () => {
    const n = normalizeEntry({ ...sampleEntry({ text: 'y'.repeat(3000), by: 'b'.repeat(300) }), extra: 1 } as never);
    expect(n.text).toHaveLength(StorageLimits.timelineTextMax);
    expect(n.by).toHaveLength(StorageLimits.timelineByMax);
    expect(Object.keys(n).sort()).toEqual(['at', 'by', 'state', 'text', 'type']);
    expect(() => normalizeEntry(sampleEntry({ state: 'Open' as never }))).toThrow(StorageValidationError);
  });

  it('bounds what an incident collects by patches', () => {
    const inc = prepareNewIncident(sampleIncident({ version: 42 }), 100);
    expect(inc.version).toBe(1);
    const many = Array.from({ length: 500 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    const next = applyPatch(inc, { addTargets: many, addMitre: ['T1001', 'T1002', 'T1003', 'T1004', 'T1005', 'T1006', 'T1007', 'T1008', 'T1009', 'T1010', 'T1011'] }, sampleEntry(), 100);
    expect(next.targets).toHaveLength(StorageLimits.targetsPerIncident);
    expect(next.targets[0]).toBe(inc.targets[0]);
    expect(next.mitre).toHaveLength(StorageLimits.mitrePerIncident);
    expect(() => applyPatch(inc, { severity: 'urgent' as never }, sampleEntry(), 100)).toThrow(StorageValidationError);
    expect(() => applyPatch(inc, { summary: 'z'.repeat(StorageLimits.maxRecordJsonBytes) }, sampleEntry(), 100)).toThrow(/bytes serialized/);
  });
});

describe('cursor codec', () => {
  it('round-trips and refuses anything else', () => {
    const c = encodeCursor({ a: 1, b: 'x' });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c, isPlainObject)).toEqual({ a: 1, b: 'x' });
    for (const bad of ['', 'a b', 'x'.repeat(5000), Buffer.from('{oops').toString('base64url')]) {
      expect(() => decodeCursor(bad, isPlainObject)).toThrow(InvalidCursorError);
    }
    expect(() => decodeCursor(encodeCursor([1]), isPlainObject)).toThrow(InvalidCursorError);
  });
});
