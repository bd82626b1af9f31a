import { partitionForKey } from '@flowguard/messaging';
import { bucketKeys } from './bucket-keys';

describe('bucketKeys', () => {
  it('gives bucket b a key that Kafka\'s partitioner sends to partition b', () => {
    for (const n of [1, 3, 6, 12]) {
      const keys = bucketKeys(n, n);
      expect(new Set(keys).size).toBe(n);
      keys.forEach((k, b) => expect(partitionForKey(k, n)).toBe(b));
    }
  });

  it('still maps every bucket to one fixed partition when the topic has fewer partitions than buckets', () => {
    const keys = bucketKeys(6, 4);
    keys.forEach((k, b) => expect(partitionForKey(k, 4)).toBe(b % 4));
    expect(() => bucketKeys(0, 6)).toThrow(RangeError);
  });
});
