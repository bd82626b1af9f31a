import { KafkaConfigError, kafkaConfigFromEnv } from './kafka.config';
import { KafkaBus } from './kafka.bus';
import { headersToRecord } from './kafka.subscription';

describe('kafkaConfigFromEnv', () => {
  it('reads brokers, client id, namespace, TLS, SCRAM and replication factor', () => {
    expect(kafkaConfigFromEnv({
      KAFKA_BROKERS: 'b-1.msk:9096, b-2.msk:9096',
      KAFKA_CLIENT_ID: 'flowguard-detect',
      KAFKA_NAMESPACE: 'staging.',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'fg',
      KAFKA_SASL_PASSWORD: 'secret',
      KAFKA_REPLICATION_FACTOR: '3',
    })).toEqual({
      brokers: ['b-1.msk:9096', 'b-2.msk:9096'],
      clientId: 'flowguard-detect',
      namespace: 'staging.',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'fg', password: 'secret' },
      replicationFactor: 3,
    });
  });

  it.each([
    [{}, /KAFKA_BROKERS is not set/],
    [{ KAFKA_BROKERS: 'localhost' }, /not host:port/],
    [{ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' }, /needs KAFKA_SASL_USERNAME/],
    [{ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'aws', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, /not supported/],
    [{ KAFKA_BROKERS: 'a:1', KAFKA_REPLICATION_FACTOR: 'two' }, /not a positive integer/],
    [{ KAFKA_BROKERS: 'a:1', KAFKA_NAMESPACE: 'bad name' }, /may only hold/],
  ])('rejects %p with a clear error', (env, message) => {
    expect(() => kafkaConfigFromEnv(env)).toThrow(KafkaConfigError);
    expect(() => kafkaConfigFromEnv(env)).toThrow(message);
  });
});

describe('KafkaBus naming', () => {
  it('prefixes topics and groups with the namespace', () => {
    const bus = new KafkaBus({ brokers: ['localhost:1'], namespace: 'dev.' });
    expect(bus.topicName({ name: 'flowguard.anomalies.v1' })).toBe('dev.flowguard.anomalies.v1');
    // one Kafka group per (logical group, topic): members of a Kafka group share one subscription
    expect(bus.groupId('flowguard-detect', { name: 'flowguard.flows.by-src.v1' })).toBe('dev.flowguard-detect.flowguard.flows.by-src.v1');
    expect(bus.groupId('flowguard-detect', { name: 'flowguard.flows.by-dst.v1' })).not.toBe(bus.groupId('flowguard-detect', { name: 'flowguard.flows.by-src.v1' }));
  });

  it('refuses an empty broker list and a bad namespace', () => {
    expect(() => new KafkaBus({ brokers: [] })).toThrow(KafkaConfigError);
    expect(() => new KafkaBus({ brokers: ['a:1'], namespace: 'a b' })).toThrow(KafkaConfigError);
  });
});

describe('headersToRecord', () => {
  it('turns kafkajs headers into strings, keeping the last of repeated values', () => {
    expect(headersToRecord({ a: Buffer.from('x'), b: 'y', c: [Buffer.from('1'), Buffer.from('2')], d: undefined })).toEqual({ a: 'x', b: 'y', c: '2' });
    expect(headersToRecord(undefined)).toEqual({});
  });
});
