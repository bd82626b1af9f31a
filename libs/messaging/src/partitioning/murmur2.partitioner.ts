/**
 * Kafka's default key partitioner: murmur2 of the UTF-8 key bytes (seed
 * 0x9747b28c), made positive with `& 0x7fffffff`, modulo the partition count.
 * Same function as the Java client and kafkajs' DefaultPartitioner, so a key
 * lands on the same partition number in the in-process bus and in Kafka.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** murmur2 as Kafka computes it, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4] as number) | ((data[i4 + 1] as number) << 8) | ((data[i4 + 2] as number) << 16) | ((data[i4 + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= (data[tail + 2] as number) << 16;
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[tail] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
