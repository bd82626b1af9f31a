import { anomalyTableDefinition, feedbackTableDefinition, incidentTableDefinition, ingestStateTableDefinition, tableNames } from './dynamo-tables';
import { createDynamoClients } from './dynamo-client.factory';

describe('table definitions', () => {
  it('declare on-demand tables whose GSI keys are all defined attributes', () => {
    for (const def of [anomalyTableDefinition('a'), incidentTableDefinition('i'), feedbackTableDefinition('f'), ingestStateTableDefinition('s')]) {
      expect(def.BillingMode).toBe('PAY_PER_REQUEST');
      const defined = new Set((def.AttributeDefinitions ?? []).map((a) => a.AttributeName));
      const used = [def.KeySchema, ...(def.GlobalSecondaryIndexes ?? []).map((g) => g.KeySchema)].flatMap((k) => (k ?? []).map((e) => e.AttributeName));
      // DynamoDB refuses definitions of attributes no key uses, and keys on undefined attributes
      expect(new Set(used)).toEqual(defined);
    }
  });

  it('name tables from a prefix', () => {
    expect(tableNames()).toEqual({ anomalies: 'flowguard-anomalies', incidents: 'flowguard-incidents', feedback: 'flowguard-feedback', ingestState: 'flowguard-ingest-state' });
  });
});

describe('createDynamoClients', () => {
  it('uses static credentials for a local endpoint', async () => {
    const c = createDynamoClients({}, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' });
    try {
      const creds = await (c.client.config.credentials as () => Promise<{ accessKeyId: string }>)();
      expect(creds.accessKeyId).toBe('local');
      expect(await c.client.config.region()).toBe('us-east-1');
    } finally {
      c.destroy();
    }
    const e = createDynamoClients({}, { DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'shared-key', AWS_SECRET_ACCESS_KEY: 's' });
    try {
      expect((await (e.client.config.credentials as () => Promise<{ accessKeyId: string }>)()).accessKeyId).toBe('shared-key');
    } finally {
      e.destroy();
    }
  });
});
