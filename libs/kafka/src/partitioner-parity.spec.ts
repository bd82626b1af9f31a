import { partitionForKey } from '@flowguard/messaging';
import { Partitioners } from 'kafkajs';

describe('in-process partitioner parity with kafkajs', () => {
  it('maps every key to the partition kafkajs\' DefaultPartitioner picks', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 6, 12]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      for (let i = 0; i < 500; i++) {
        const key = i % 2 ? `10.0.${i % 7}.${i}` : `an-port-scan-${i}-é`;
        expect(partitionForKey(key, partitions)).toBe(kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } }));
      }
    }
  });
});
