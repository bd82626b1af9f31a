import { runAnomalyRepositoryContract, runFeedbackRepositoryContract, runIncidentRepositoryContract } from '@flowguard/persistence';
import { DynamoAnomalyRepository } from './dynamo-anomaly.repository';
import { DynamoFeedbackRepository } from './dynamo-feedback.repository';
import { DynamoIncidentRepository } from './dynamo-incident.repository';
import { ensureAnomalyTable, ensureFeedbackTable, ensureIncidentTable } from './dynamo-tables';
import { dynamoTestEnv } from './dynamo-test-env';

// The very assertions the embedded store passes in its unit specs, here against DynamoDB Local.
const env = dynamoTestEnv('contract');
afterAll(() => env.cleanup(), 120_000);

const timeoutMs = 30_000;
// The fixtures are dated 2023: with a realistic retention DynamoDB Local's TTL sweeper would
// delete them in the middle of a test (it does, within seconds to minutes).
const retentionDays = 36_500;

runAnomalyRepositoryContract('dynamodb, 3 list shards', async () => {
  const tableName = env.uniqueName('anomalies');
  await ensureAnomalyTable(env.clients.client, tableName);
  return new DynamoAnomalyRepository(env.clients.doc, { tableName, listShards: 3, retentionDays });
}, { timeoutMs });

runAnomalyRepositoryContract('dynamodb, 1 list shard', async () => {
  const tableName = env.uniqueName('anomalies');
  await ensureAnomalyTable(env.clients.client, tableName);
  return new DynamoAnomalyRepository(env.clients.doc, { tableName, listShards: 1, retentionDays });
}, { timeoutMs });

runIncidentRepositoryContract('dynamodb, 1 list shard', async ({ timelineCap }) => {
  const tableName = env.uniqueName('incidents');
  await ensureIncidentTable(env.clients.client, tableName);
  return new DynamoIncidentRepository(env.clients.doc, { tableName, timelineCap });
}, { timeoutMs });

runIncidentRepositoryContract('dynamodb, 4 list shards, closed-incident TTL', async ({ timelineCap }) => {
  const tableName = env.uniqueName('incidents');
  await ensureIncidentTable(env.clients.client, tableName);
  return new DynamoIncidentRepository(env.clients.doc, { tableName, timelineCap, listShards: 4, closedRetentionDays: retentionDays });
}, { timeoutMs });

runFeedbackRepositoryContract('dynamodb, 2 list shards', async () => {
  const tableName = env.uniqueName('feedback');
  await ensureFeedbackTable(env.clients.client, tableName);
  return new DynamoFeedbackRepository(env.clients.doc, { tableName, listShards: 2 });
}, { timeoutMs });
