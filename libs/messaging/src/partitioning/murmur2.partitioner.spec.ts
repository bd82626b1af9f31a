import { murmur2, partitionForKey } from './murmur2.partitioner';

describe('murmur2 partitioner', () => {
  // reference values from Apache Kafka's UtilsTest#testMurmur2
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %p like the Java client', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('maps a key to a stable partition in range', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(`key-${i}`, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionForKey(`key-${i}`, 6)).toBe(p);
    }
    expect(partitionForKey('anything', 1)).toBe(0);
  });

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const p = partitionForKey(`10.0.${i >> 8}.${i & 255}`, 6);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });
});
