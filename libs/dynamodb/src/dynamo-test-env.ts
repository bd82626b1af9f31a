import { createDynamoClients, type DynamoClients } from './dynamo-client.factory';
import { deleteTables, type TableNames } from './dynamo-tables';

/**
 * Shared by the integration specs: a client on DynamoDB Local and unique table
 * names per test, dropped at the end. DYNAMODB_ENDPOINT comes from the root
 * integration setup (scripts/servers).
 */
export function dynamoTestEnv(label: string): {
  readonly clients: DynamoClients;
  uniqueName(kind: keyof TableNames): string;
  cleanup(): Promise<void>;
} {
  const endpoint = process.env['DYNAMODB_ENDPOINT'];
  if (!endpoint) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set. Run the integration config (its global setup starts DynamoDB Local) '
      + 'or start one with `node scripts/servers/servers.mjs up dynamodb` and export DYNAMODB_ENDPOINT.',
    );
  }
  const clients = createDynamoClients({ endpoint, region: 'us-east-1' });
  const run = `it-${label}-${Date.now().toString(36)}-${process.pid}`;
  const made: Array<Partial<TableNames>> = [];
  let n = 0;
  return {
    clients,
    uniqueName(kind) {
      const name = `${run}-${n++}-${kind}`;
      made.push({ [kind]: name });
      return name;
    },
    async cleanup() {
      for (const names of made) await deleteTables(clients.client, names);
      clients.destroy();
    },
  };
}
