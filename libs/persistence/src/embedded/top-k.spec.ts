import fc from 'fast-check';
import { topK } from './top-k';

describe('topK', () => {
  it('equals sorting everything and taking the first k', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -50, max: 50 })), fc.integer({ min: 0, max: 20 }), (xs, k) => {
      const cmp = (a: number, b: number) => b - a;
      expect(topK(xs, k, cmp)).toEqual([...xs].sort(cmp).slice(0, k));
    }));
  });
});
