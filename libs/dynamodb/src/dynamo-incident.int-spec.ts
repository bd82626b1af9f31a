import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, ThreatClassificationV1 } from '@flowguard/contracts';
import {
  ConflictError, sampleAnomaly, sampleEntry, sampleIncident, StorageLimits,
} from '@flowguard/persistence';
import { createDynamoClients } from './dynamo-client.factory';
import { DynamoIncidentRepository } from './dynamo-incident.repository';
import { ensureIncidentTable, IncidentTable } from './dynamo-tables';
import { dynamoTestEnv } from './dynamo-test-env';

const env = dynamoTestEnv('incidents');
// a second connection pool, as a second service replica would have
const other = createDynamoClients({ endpoint: process.env['DYNAMODB_ENDPOINT'] as string, region: 'us-east-1' });
afterAll(async () => {
  other.destroy();
  await env.cleanup();
}, 120_000);

async function freshTable(): Promise<string> {
  const tableName = env.uniqueName('incidents');
  await ensureIncidentTable(env.clients.client, tableName);
  return tableName;
}

describe('DynamoIncidentRepository under concurrency', () => {
  it('two replicas transitioning from the same state: exactly one wins, every time', async () => {
    const tableName = await freshTable();
    const a = new DynamoIncidentRepository(env.clients.doc, { tableName });
    const b = new DynamoIncidentRepository(other.doc, { tableName });
    for (let i = 0; i < 15; i++) {
      const inc = (await a.create(sampleIncident({ incidentId: `inc-race-${i}`, anomalyIds: [`anom-race-${i}-xxxx`] }))).incident;
      const results = await Promise.allSettled([
        a.transition(inc.incidentId, 'New', 'Investigating', sampleEntry({ state: 'Investigating', by: 'replica-a' })),
        b.transition(inc.incidentId, 'New', 'Closed', sampleEntry({ state: 'Closed', by: 'replica-b' })),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
      const stored = await a.get(inc.incidentId);
      expect(stored?.version).toBe(2);
      expect(stored?.timeline).toHaveLength(2);
      expect(stored?.state).toBe((won[0] as PromiseFulfilledResult<Incident>).value.state);
    }
  });

  it('two replicas creating the same incident: one creates, both see the same record', async () => {
    const tableName = await freshTable();
    const a = new DynamoIncidentRepository(env.clients.doc, { tableName });
    const b = new DynamoIncidentRepository(other.doc, { tableName });
    for (let i = 0; i < 10; i++) {
      const inc = sampleIncident({ incidentId: `inc-dup-${i}`, anomalyIds: [`anom-dup-${i}-a`, `anom-dup-${i}-b`] });
      const [ra, rb] = await Promise.all([a.create(inc), b.create({ ...inc, title: 'from replica b' })]);
      expect([ra.created, rb.created].filter(Boolean)).toHaveLength(1);
      expect(ra.incident).toEqual(rb.incident);
      expect((await b.findByAnomaly(`anom-dup-${i}-b`))?.incidentId).toBe(inc.incidentId);
    }
  });

  it('two incidents racing for the same anomaly: one gets it, the other writes nothing', async () => {
    const tableName = await freshTable();
    const a = new DynamoIncidentRepository(env.clients.doc, { tableName });
    const b = new DynamoIncidentRepository(other.doc, { tableName });
    const results = await Promise.allSettled([
      a.create(sampleIncident({ incidentId: 'inc-claim-a', anomalyIds: ['anom-claimed-1'] })),
      b.create(sampleIncident({ incidentId: 'inc-claim-b', anomalyIds: ['anom-claimed-1'] })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const owner = (await a.findByAnomaly('anom-claimed-1'))?.incidentId;
    const loser = owner === 'inc-claim-a' ? 'inc-claim-b' : 'inc-claim-a';
    expect(await a.get(loser)).toBeNull();
  });
});

describe('DynamoIncidentRepository lifecycle details', () => {
  it('sets a TTL when an incident is closed and removes it when reopened', async () => {
    const tableName = await freshTable();
    const repo = new DynamoIncidentRepository(env.clients.doc, { tableName, closedRetentionDays: 30 });
    // current timestamps: an expiry in the past would let DynamoDB Local's sweeper delete the item mid-test
    const now = Date.now();
    const inc = (await repo.create(sampleIncident({ createdAt: now, updatedAt: now, timeline: [] }))).incident;
    const ttl = async () => (await env.clients.doc.send(new GetCommand({ TableName: tableName, Key: { pk: inc.incidentId } }))).Item?.[IncidentTable.ttl];
    expect(await ttl()).toBeUndefined();
    const closedAt = inc.createdAt + 60_000;
    await repo.transition(inc.incidentId, 'New', 'Closed', sampleEntry({ at: closedAt, state: 'Closed' }));
    expect(await ttl()).toBe(Math.floor(closedAt / 1000) + 30 * 86_400);
    await repo.appendTimeline(inc.incidentId, sampleEntry({ at: closedAt + 5, state: 'Closed' }));
    expect(await ttl()).toBe(Math.floor(closedAt / 1000) + 30 * 86_400);
    await repo.transition(inc.incidentId, 'Closed', 'Investigating', sampleEntry({ at: closedAt + 10, state: 'Investigating' }));
    expect(await ttl()).toBeUndefined();
    const born = (await repo.create(sampleIncident({ incidentId: 'inc-born-closed', anomalyIds: [], state: 'Closed', createdAt: now, updatedAt: now }))).incident;
    expect((await env.clients.doc.send(new GetCommand({ TableName: tableName, Key: { pk: born.incidentId } }))).Item?.[IncidentTable.ttl])
      .toBe(Math.floor(now / 1000) + 30 * 86_400);
  });

  it('releases the anomaly links of an incident that expired, so its anomalies can be reused', async () => {
    const tableName = await freshTable();
    const repo = new DynamoIncidentRepository(env.clients.doc, { tableName });
    await repo.create(sampleIncident({ incidentId: 'inc-expired', anomalyIds: ['anom-reuse-1', 'anom-reuse-2'] }));
    // what the TTL sweeper does: the incident item goes, its link items stay
    await env.clients.doc.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'inc-expired' } }));
    expect(await repo.findByAnomaly('anom-reuse-1')).toBeNull();
    const { created } = await repo.create(sampleIncident({ incidentId: 'inc-successor', anomalyIds: ['anom-reuse-1'] }));
    expect(created).toBe(true);
    expect((await repo.findByAnomaly('anom-reuse-1'))?.incidentId).toBe('inc-successor');
    const { attached } = await repo.attachAnomaly('inc-successor', 'anom-reuse-2', sampleEntry());
    expect(attached).toBe(true);
  });

  it('stores an incident at every size limit at once and keeps accepting writes', async () => {
    const tableName = await freshTable();
    const repo = new DynamoIncidentRepository(env.clients.doc, { tableName });
    const longId = (p: string, i: number) => `${p}-${String(i).padStart(6, '0')}-`.padEnd(128, 'x');
    const bigAnomaly = sampleAnomaly({
      anomalyId: longId('anom-cls', 0),
      targets: Array.from({ length: 200 }, (_, i) => `10.${i >> 8}.${i & 255}.1`),
      ports: Array.from({ length: 2000 }, (_, i) => 1024 + i),
      summary: 's'.repeat(1000),
      signals: Array.from({ length: 30 }, (_, i) => ({ name: `signal_${i}`.padEnd(64, 'x'), value: i, threshold: 1, note: 'n'.repeat(200) })),
      evidence: Array.from({ length: 50 }, () => sampleAnomaly().evidence[0] as ThreatClassificationV1['anomaly']['evidence'][number]),
    });
    const classification: ThreatClassificationV1 = {
      classificationId: 'cls-000000000001', severity: 'critical', confidence: 0.9, verdict: 'true_positive',
      mitre: Array.from({ length: 10 }, () => ({ id: 'T1046', name: 'n'.repeat(120), tactic: 't'.repeat(60) })),
      reasoning: 'r'.repeat(4000), recommendedActions: Array.from({ length: 20 }, () => 'a'.repeat(200)),
      provider: 'offline', model: 'm'.repeat(120), tokens: { input: 1, output: 1 }, costUsd: 0, classifiedAt: 1, anomaly: bigAnomaly,
    };
    const entry = (i: number) => sampleEntry({ at: 1_700_000_000_000 + i, by: 'b'.repeat(500), text: 't'.repeat(5000) });
    const inc = sampleIncident({
      incidentId: longId('inc-big', 0).slice(0, 132),
      title: 'T'.repeat(300), summary: 'S'.repeat(4000),
      anomalyIds: Array.from({ length: StorageLimits.anomaliesAtCreate }, (_, i) => longId('anom-big', i)),
      targets: Array.from({ length: 200 }, (_, i) => `2001:db8::${i.toString(16)}`.padEnd(64, '0')),
      mitre: Array.from({ length: 10 }, (_, i) => `T10${String(i).padStart(2, '0')}`),
      classification,
      timeline: Array.from({ length: StorageLimits.timelineCap }, (_, i) => entry(i)),
    });
    expect((await repo.create(inc)).created).toBe(true);
    // attaching 400 more one by one takes a minute on DynamoDB Local: write that state directly
    // (only the link items are missing), then let the repository attach the 500th
    const stored = await repo.get(inc.incidentId) as Incident;
    const full = Array.from({ length: StorageLimits.anomaliesPerIncident - 1 }, (_, i) => longId('anom-big', i));
    await env.clients.doc.send(new PutCommand({
      TableName: tableName,
      Item: { ...stored, anomalyIds: full, pk: inc.incidentId, kind: 'incident', [IncidentTable.allKey]: 'I#0' },
    }));
    await repo.attachAnomaly(inc.incidentId, longId('anom-big', StorageLimits.anomaliesPerIncident - 1), entry(1000));
    await expect(repo.attachAnomaly(inc.incidentId, longId('anom-big', 999_999), entry(1001))).rejects.toThrow(/already holds 500/);
    await repo.update(inc.incidentId, { classification }, entry(1002));
    const moved = await repo.transition(inc.incidentId, 'New', 'Investigating', { ...entry(5000), state: 'Investigating' });
    const noted = await repo.appendTimeline(inc.incidentId, entry(5001));
    expect(moved.anomalyIds).toHaveLength(StorageLimits.anomaliesPerIncident);
    expect(noted.timeline).toHaveLength(StorageLimits.timelineCap);
    expect(noted.version).toBe(5);
    const bytes = Buffer.byteLength(JSON.stringify(noted));
    console.log(`largest incident: ${bytes} bytes of JSON (DynamoDB item limit 409600)`);
    expect(bytes).toBeLessThan(StorageLimits.maxRecordJsonBytes);
  }, 60_000);
});
