import { ConfigError } from './env.loader';
import { loadServiceConfig } from './service-config';

const problems = (env: Record<string, string>, defaults: Record<string, string> = {}): string[] => {
  try {
    loadServiceConfig('test', env, defaults);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('service config', () => {
  it('loads a full Kafka + DynamoDB configuration', () => {
    const c = loadServiceConfig('detect', {
      FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS: 'b1:9092, b2:9092', FLOWGUARD_STORE: 'dynamodb', AWS_REGION: 'eu-west-1',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', PORT: '9000', LOG_LEVEL: 'debug',
    });
    expect(c.bus).toEqual({ kind: 'kafka', kafka: { brokers: ['b1:9092', 'b2:9092'], clientId: 'flowguard-detect', ssl: false } });
    expect(c.store).toEqual({ kind: 'dynamodb', region: 'eu-west-1', endpoint: 'http://127.0.0.1:8000', tablePrefix: undefined });
    expect(c.http.port).toBe(9000);
    expect(c.log.level).toBe('debug');
  });

  it('uses deployment defaults, overridden by the environment', () => {
    const defaults = { FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '8080' };
    expect(loadServiceConfig('flowguard', {}, defaults)).toMatchObject({ bus: { kind: 'inprocess' }, store: { kind: 'embedded' } });
    expect(loadServiceConfig('flowguard', { PORT: '' }, defaults).http.port).toBe(8080); // empty means unset
    expect(problems({ FLOWGUARD_BUS: 'kafka' }, defaults)).toEqual(['FLOWGUARD_BUS=kafka requires KAFKA_BROKERS (comma-separated host:port list)']);
  });

  it('names the missing variable when Kafka or DynamoDB lacks its settings', () => {
    expect(problems({ FLOWGUARD_BUS: 'kafka', FLOWGUARD_STORE: 'embedded' })).toEqual(['FLOWGUARD_BUS=kafka requires KAFKA_BROKERS (comma-separated host:port list)']);
    expect(problems({ FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'dynamodb' })).toEqual(['FLOWGUARD_STORE=dynamodb requires AWS_REGION']);
  });

  it('lists every invalid variable with its value in one readable error', () => {
    const p = problems({ FLOWGUARD_BUS: 'rabbit', FLOWGUARD_STORE: 'mongo', PORT: 'eighty', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'nohost' });
    expect(p).toEqual(expect.arrayContaining([
      'FLOWGUARD_BUS: must be one of kafka, inprocess (got "rabbit")',
      'FLOWGUARD_STORE: must be one of dynamodb, embedded (got "mongo")',
      expect.stringMatching(/^PORT: .*integer.* \(got "eighty"\)$/),
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      expect.stringMatching(/^KAFKA_BROKERS: must be a comma-separated list of host:port/),
    ]));
    expect(() => loadServiceConfig('x', { PORT: '70000', FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded' })).toThrow(/Invalid configuration:\n {2}- PORT: /);
  });

  it('rejects a bad endpoint URL and region', () => {
    const p = problems({ FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'dynamodb', AWS_REGION: 'Europe', DYNAMODB_ENDPOINT: 'localhost:8000' });
    expect(p).toEqual([
      'DYNAMODB_ENDPOINT: must be an http(s) URL (got "localhost:8000")',
      'AWS_REGION: must look like an AWS region, e.g. eu-west-1 (got "Europe")',
    ]);
  });

  it('passes SASL and namespace settings to the Kafka adapter and reports its errors as config errors', () => {
    const c = loadServiceConfig('x', {
      FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS: 'a:1', FLOWGUARD_STORE: 'embedded', KAFKA_NAMESPACE: 'test-1.',
      KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p',
    });
    expect(c.bus).toMatchObject({ kind: 'kafka', kafka: { namespace: 'test-1.', sasl: { mechanism: 'scram-sha-512', username: 'u' } } });
    expect(problems({ FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS: 'a:1', FLOWGUARD_STORE: 'embedded', KAFKA_SASL_MECHANISM: 'plain' }))
      .toEqual(['KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD']);
  });

  it('never echoes a secret value', () => {
    const p = problems({ FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', FLOWGUARD_API_TOKEN: 'short' });
    expect(p).toEqual(['FLOWGUARD_API_TOKEN: must be at least 16 characters (got <redacted>)']);
  });

  it('parses booleans strictly', () => {
    expect(loadServiceConfig('x', { FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS: 'a:1', KAFKA_SSL: 'true', FLOWGUARD_STORE: 'embedded' }).bus).toMatchObject({ kafka: { ssl: true } });
    expect(problems({ FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', KAFKA_SSL: 'maybe' })).toEqual(['KAFKA_SSL: must be true or false (got "maybe")']);
  });
});
