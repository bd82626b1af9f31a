import {
  CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidCursorError, sampleAnomaly } from '@flowguard/persistence';
import { DynamoAnomalyRepository } from './dynamo-anomaly.repository';
import { AnomalyTable, ensureAnomalyTable, ensureTables, tableNames } from './dynamo-tables';
import { dynamoTestEnv } from './dynamo-test-env';

const env = dynamoTestEnv('tables');
afterAll(() => env.cleanup(), 120_000);

describe('ensureTables on DynamoDB Local', () => {
  it('creates both tables once, on demand, with their indexes and TTL enabled', async () => {
    const anomalies = env.uniqueName('anomalies');
    const incidents = env.uniqueName('incidents');
    const feedback = env.uniqueName('feedback');
    const ingestState = env.uniqueName('ingestState');
    const names = { anomalies, incidents, feedback, ingestState };
    expect(await ensureTables(env.clients.client, names)).toEqual({ created: [anomalies, incidents, feedback, ingestState], existing: [] });
    expect(await ensureTables(env.clients.client, names)).toEqual({ created: [], existing: [anomalies, incidents, feedback, ingestState] });

    for (const [name, indexes] of [[anomalies, ['byActor', 'byDetector', 'byLastSeen']], [incidents, ['byCreated', 'byState']]] as const) {
      const { Table } = await env.clients.client.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual([...indexes]);
      const ttl = await env.clients.client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    }
    const fb = await env.clients.client.send(new DescribeTableCommand({ TableName: feedback }));
    expect((fb.Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(['byCreated', 'byDetector', 'bySubject']);
    const fbTtl = await env.clients.client.send(new DescribeTimeToLiveCommand({ TableName: feedback }));
    expect(fbTtl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    const st = await env.clients.client.send(new DescribeTableCommand({ TableName: ingestState }));
    expect(st.Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    const stTtl = await env.clients.client.send(new DescribeTimeToLiveCommand({ TableName: ingestState }));
    expect(stTtl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('is safe when several processes ensure the same tables at once', async () => {
    const names = { anomalies: env.uniqueName('anomalies'), incidents: env.uniqueName('incidents'), feedback: env.uniqueName('feedback'), ingestState: env.uniqueName('ingestState') };
    const results = await Promise.all([ensureTables(env.clients.client, names), ensureTables(env.clients.client, names)]);
    expect(results.flatMap((r) => r.created).sort()).toEqual([names.anomalies, names.incidents, names.feedback, names.ingestState].sort());
  });

  it('refuses a same-named table of an older layout instead of using it half-working', async () => {
    const name = env.uniqueName('anomalies');
    await env.clients.client.send(new CreateTableCommand({
      TableName: name, BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'anomalyId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'anomalyId', AttributeType: 'S' }],
    }));
    await waitUntilTableExists({ client: env.clients.client, maxWaitTime: 30 }, { TableName: name });
    await expect(ensureAnomalyTable(env.clients.client, name)).rejects.toThrow(/without index\(es\) byDetector, byActor, byLastSeen/);
  });

  it('validates table prefixes', () => {
    expect(tableNames('flowguard-prod-')).toEqual({ anomalies: 'flowguard-prod-anomalies', incidents: 'flowguard-prod-incidents', feedback: 'flowguard-prod-feedback', ingestState: 'flowguard-prod-ingest-state' });
    expect(() => tableNames('bad prefix/')).toThrow(/invalid table prefix/);
  });
});

describe('DynamoAnomalyRepository items', () => {
  it('sets expiresAt from lastSeen (or the write, if later) and indexes actor only when present', async () => {
    const tableName = env.uniqueName('anomalies');
    await ensureAnomalyTable(env.clients.client, tableName);
    const repo = new DynamoAnomalyRepository(env.clients.doc, { tableName, retentionDays: 7 });
    const nowS = Math.floor(Date.now() / 1000);
    const withActor = sampleAnomaly({ anomalyId: 'anom-ttl-actor-1', firstSeen: nowS - 60, lastSeen: nowS, updatedAt: nowS * 1000 });
    const noActor = sampleAnomaly({ anomalyId: 'anom-ttl-noact-1', actor: null, lastSeen: nowS, updatedAt: nowS * 1000 });
    // replayed historical flows: retention counts from when the anomaly was written
    const replayed = sampleAnomaly({ anomalyId: 'anom-ttl-replay', lastSeen: nowS - 400 * 86_400, updatedAt: nowS * 1000 + 999 });
    for (const a of [withActor, noActor, replayed]) await repo.upsert(a);
    const raw = async (id: string) =>
      (await env.clients.doc.send(new GetCommand({ TableName: tableName, Key: { anomalyId: id } }))).Item ?? {};
    const a = await raw(withActor.anomalyId);
    expect(a[AnomalyTable.ttl]).toBe(nowS + 7 * 86_400);
    expect(a[AnomalyTable.actorKey]).toBe(withActor.actor);
    const b = await raw(noActor.anomalyId);
    expect(b[AnomalyTable.actorKey]).toBeUndefined();
    expect(b['actor']).toBeNull();
    expect((await raw(replayed.anomalyId))[AnomalyTable.ttl]).toBe(nowS + 7 * 86_400);
    // an update moves the expiry with lastSeen
    await repo.upsert({ ...withActor, lastSeen: nowS + 1000, updatedAt: withActor.updatedAt + 1 });
    expect((await raw(withActor.anomalyId))[AnomalyTable.ttl]).toBe(nowS + 1000 + 7 * 86_400);
    // the API never sees the storage attributes
    expect(await repo.get(withActor.anomalyId)).not.toHaveProperty(AnomalyTable.ttl);
  });

  it('rejects a cursor issued for another partition of the same index', async () => {
    const tableName = env.uniqueName('anomalies');
    await ensureAnomalyTable(env.clients.client, tableName);
    const repo = new DynamoAnomalyRepository(env.clients.doc, { tableName, retentionDays: 36_500 });
    for (let i = 0; i < 3; i++) await repo.upsert(sampleAnomaly({ anomalyId: `anom-cur-${i}-xxxx`, lastSeen: 100 + i }));
    const page = await repo.list({ detector: 'port-scan', limit: 1 });
    expect(page.cursor).toBeDefined();
    await expect(repo.list({ detector: 'brute-force', cursor: page.cursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.list({ actor: '10.0.0.5', cursor: page.cursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.list({ cursor: page.cursor as string })).rejects.toBeInstanceOf(InvalidCursorError);
    const rest = await repo.list({ detector: 'port-scan', cursor: page.cursor as string });
    expect(rest.items.map((a) => a.anomalyId)).toEqual(['anom-cur-1-xxxx', 'anom-cur-0-xxxx']);
  });
});
