import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  /** e.g. http://127.0.0.1:8000 for DynamoDB Local; default: env DYNAMODB_ENDPOINT, else the AWS endpoint */
  readonly endpoint?: string;
  readonly region?: string;
  /** static credentials; for a local endpoint AWS_ACCESS_KEY_ID/SECRET from env, else dummy ones */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

export interface DynamoClients {
  readonly client: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  destroy(): void;
}

/**
 * One low-level client (table admin) and one document client (items as plain
 * objects) sharing its connection pool. On AWS the default credential chain
 * (ECS task role) applies; against DynamoDB Local any static pair works.
 */
export function createDynamoClients(options: DynamoClientOptions = {}, env: NodeJS.ProcessEnv = process.env): DynamoClients {
  const endpoint = options.endpoint ?? env['DYNAMODB_ENDPOINT'];
  const config: DynamoDBClientConfig = {
    region: options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 4,
  };
  if (endpoint) config.endpoint = endpoint;
  if (options.credentials) config.credentials = { ...options.credentials };
  else if (endpoint) {
    // DynamoDB Local without -sharedDb keeps one database per access key: use the same key as
    // every other tool of this environment when one is exported
    config.credentials = {
      accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? 'local',
      secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? 'local',
    };
  }
  const client = new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(client, {
    // undefined optional fields are simply absent, as in the embedded store
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return { client, doc, destroy: () => client.destroy() };
}
