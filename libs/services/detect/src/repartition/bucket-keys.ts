import { partitionForKey } from '@flowguard/messaging';

/**
 * One message key per hash bucket, chosen so that bucket b lands on partition
 * b of a topic with `partitions` partitions (Kafka's murmur2 partitioner, the
 * one both buses use). Keying a sub-batch by its bucket (not by one address of
 * it) is what keeps every row of one source — or destination — on one
 * partition: correctness needs only that a bucket always maps to the same
 * partition, which holds for any partition count; the search just makes the
 * spread even when the topic has as many partitions as there are buckets.
 */
export function bucketKeys(buckets: number, partitions: number): string[] {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  const keys: string[] = [];
  for (let b = 0; b < buckets; b++) {
    const want = b % Math.max(1, partitions);
    let key = `bucket-${b}`;
    for (let salt = 0; partitionForKey(key, partitions) !== want; salt++) {
      if (salt > 100_000) throw new Error(`no key found for bucket ${b} of ${partitions} partitions`);
      key = `bucket-${b}.${salt}`;
    }
    keys.push(key);
  }
  return keys;
}
