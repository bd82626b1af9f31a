import { SeenKeys } from './seen-keys.cache';

describe('SeenKeys', () => {
  it('reports a key the second time only', () => {
    const s = new SeenKeys(10);
    expect(s.checkAndAdd('a')).toBe(false);
    expect(s.checkAndAdd('a')).toBe(true);
    expect(s.checkAndAdd('b')).toBe(false);
  });

  it('evicts the least recently used key beyond capacity', () => {
    const s = new SeenKeys(2);
    s.checkAndAdd('a');
    s.checkAndAdd('b');
    s.checkAndAdd('a'); // a is now the most recent
    s.checkAndAdd('c'); // evicts b
    expect(s.size).toBe(2);
    expect(s.has('a')).toBe(true);
    expect(s.has('b')).toBe(false);
    expect(s.has('c')).toBe(true);
  });

  it('forgets a key on request', () => {
    const s = new SeenKeys(3);
    s.checkAndAdd('x');
    s.forget('x');
    expect(s.checkAndAdd('x')).toBe(false);
  });

  it('rejects a non-positive capacity', () => {
    expect(() => new SeenKeys(0)).toThrow(RangeError);
  });
});
