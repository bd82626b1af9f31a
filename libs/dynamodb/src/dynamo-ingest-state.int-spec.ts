import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CheckpointConflictError, isCheckpointConflict, SHARD_END_CHECKPOINT } from '@flowguard/persistence';
import { DynamoDeliveryIdStore, DynamoObjectLedger } from './dynamo-ingest-ledger.repository';
import { DynamoShardCheckpointStore } from './dynamo-shard-checkpoint.repository';
import { ensureIngestStateTable } from './dynamo-tables';
import { dynamoTestEnv } from './dynamo-test-env';

const env = dynamoTestEnv('ingest-state');
afterAll(() => env.cleanup(), 120_000);

let tableName: string;
beforeAll(async () => {
  tableName = env.uniqueName('ingestState');
  await ensureIngestStateTable(env.clients.client, tableName);
});

const conflict = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (isCheckpointConflict(e)) return e.reason;
    throw e;
  }
  throw new Error('expected a CheckpointConflictError');
};

describe('DynamoShardCheckpointStore on DynamoDB Local', () => {
  it('moves a checkpoint only forward (numeric order of sequence numbers, SHARD_END last)', async () => {
    const s = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'a' });
    expect(await s.get('st', 'shard-0')).toBeUndefined();
    await s.put('st', 'shard-0', '9');
    await s.put('st', 'shard-0', '10'); // shorter strings are not "larger": 10 > 9 numerically
    await s.put('st', 'shard-0', '10'); // a retried write of the same value is fine
    expect(await conflict(s.put('st', 'shard-0', '9'))).toBe('behind');
    const big = '49590338271490256608559692538361571095921575989136588898';
    await s.put('st', 'shard-0', big);
    await s.put('st', 'shard-0', SHARD_END_CHECKPOINT);
    expect(await conflict(s.put('st', 'shard-0', `${big}0`))).toBe('behind');
    expect(await s.get('st', 'shard-0')).toBe(SHARD_END_CHECKPOINT);
    await expect(s.put('st', 'shard-0', 'not-a-number')).rejects.toThrow(/not a Kinesis sequence number/);
  });

  it('leases: one holder; expired leases are taken over; the old holder can no longer checkpoint', async () => {
    const a = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'a' });
    const b = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'b' });
    const t0 = 1_000_000;
    expect(await a.acquire('ls', 's1', 10_000, t0)).toEqual({ acquired: true, checkpoint: undefined });
    await a.put('ls', 's1', '100');
    expect(await b.acquire('ls', 's1', 10_000, t0 + 5_000)).toEqual({ acquired: false, owner: 'a', leaseUntil: t0 + 10_000 });
    expect(await conflict(b.put('ls', 's1', '200'))).toBe('lease_lost');
    expect(await a.renew('ls', 's1', 10_000, t0 + 6_000)).toBe(true);
    // a stops renewing: after its lease ran out b takes the shard with a's checkpoint
    expect(await b.acquire('ls', 's1', 10_000, t0 + 16_001)).toEqual({ acquired: true, checkpoint: '100' });
    expect(await a.renew('ls', 's1', 10_000, t0 + 16_002)).toBe(false);
    expect(await conflict(a.put('ls', 's1', '150'))).toBe('lease_lost');
    await b.put('ls', 's1', '150');
    expect(await a.get('ls', 's1')).toBe('150');
  });

  it('steals a live lease only from the holder it names; release frees the shard at once', async () => {
    const a = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'a' });
    const b = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'b' });
    const c = new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: 'c' });
    const now = Date.now();
    for (const sh of ['x0', 'x1', 'x2']) expect((await a.acquire('bal', sh, 60_000, now)).acquired).toBe(true);
    const leases = await b.list('bal');
    expect(leases.map((l) => [l.shardId, l.owner])).toEqual([['x0', 'a'], ['x1', 'a'], ['x2', 'a']]);
    expect(await b.steal('bal', leases[2]!, 60_000, now)).toBe(true);
    expect(await c.steal('bal', leases[2]!, 60_000, now)).toBe(false); // no longer a's
    expect(await a.renew('bal', 'x2', 60_000, now)).toBe(false);
    await a.release('bal', 'x0');
    expect(await c.acquire('bal', 'x0', 60_000, now)).toEqual({ acquired: true, checkpoint: undefined });
    await a.release('bal', 'x2'); // not a's any more: no effect
    expect((await c.list('bal')).map((l) => l.owner)).toEqual(['c', 'a', 'b']);
  });

  it('of two consumers racing for a free shard exactly one wins', async () => {
    const stores = Array.from({ length: 6 }, (_, i) => new DynamoShardCheckpointStore(env.clients.doc, { tableName, owner: `r${i}` }));
    const now = Date.now();
    const results = await Promise.all(stores.map((s) => s.acquire('race', 'only', 60_000, now)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(new CheckpointConflictError('behind', 's', 'h', 'x').message).toMatch(/refused \(behind\)/);
  });
});

describe('DynamoObjectLedger and DynamoDeliveryIdStore on DynamoDB Local', () => {
  it('records objects by bucket, key and ETag across instances, with an optional TTL', async () => {
    const one = new DynamoObjectLedger(env.clients.doc, { tableName, retentionDays: 30, now: () => 1_700_000_000_000 });
    const key = `AWSLogs/1/vpcflowlogs/us-east-1/2023/11/14/${'k'.repeat(900)}.log.gz`;
    expect(await one.has('bkt', key, '"e1"')).toBe(false);
    await one.markDone('bkt', key, '"e1"');
    const two = new DynamoObjectLedger(env.clients.doc, { tableName });
    expect(await two.has('bkt', key, '"e1"')).toBe(true);
    expect(await two.has('bkt', key, '"e2"')).toBe(false); // overwritten object: new input
    expect(await two.has('other', key, '"e1"')).toBe(false);
    const item = await env.clients.doc.send(new GetCommand({ TableName: tableName, Key: { pk: `s3#bkt#${key}`, sk: '"e1"' } }));
    expect(item.Item?.['expiresAt']).toBe(1_700_000_000 + 30 * 86_400);
  });

  it('lets one task at a time claim an object that is not done; a dead task\'s claim expires', async () => {
    const x = new DynamoObjectLedger(env.clients.doc, { tableName, owner: 'x' });
    const y = new DynamoObjectLedger(env.clients.doc, { tableName, owner: 'y' });
    const t = 1_000_000;
    // racing claims: exactly one wins, either one; call the winner a
    const won = await Promise.all([x.claim('cb', 'k1', '"e"', 60_000, t), y.claim('cb', 'k1', '"e"', 60_000, t)]);
    expect(won.filter(Boolean)).toHaveLength(1);
    const [a, b] = won[0] ? [x, y] : [y, x];
    expect(await a.has('cb', 'k1', '"e"')).toBe(false); // claimed is not done
    expect(await b.claim('cb', 'k1', '"e"', 60_000, t + 30_000)).toBe(false);
    expect(await b.claim('cb', 'k1', '"e"', 60_000, t + 60_001)).toBe(true); // a died: its claim ran out
    await a.release('cb', 'k1', '"e"'); // no longer a's: no effect
    expect(await a.claim('cb', 'k1', '"e"', 60_000, t + 60_002)).toBe(false);
    await b.release('cb', 'k1', '"e"');
    expect(await a.claim('cb', 'k1', '"e"', 60_000, t + 60_003)).toBe(true);
    await a.markDone('cb', 'k1', '"e"');
    expect(await b.has('cb', 'k1', '"e"')).toBe(true);
    expect(await b.claim('cb', 'k1', '"e"', 60_000, t + 10_000_000)).toBe(false); // done: never claimable again
  });

  it('remembers accepted request ids for the TTL and writes expiresAt for DynamoDB TTL', async () => {
    let now = Date.now();
    const ids = new DynamoDeliveryIdStore(env.clients.doc, { tableName, ttlMs: 60_000, now: () => now });
    expect(await ids.has('req-1')).toBe(false);
    await ids.add('req-1');
    const other = new DynamoDeliveryIdStore(env.clients.doc, { tableName, ttlMs: 60_000, now: () => now });
    expect(await other.has('req-1')).toBe(true);
    const item = await env.clients.doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'firehose#req-1', sk: '-' } }));
    expect(item.Item?.['expiresAt']).toBe(Math.ceil((now + 60_000) / 1000));
    now += 60_001; // DynamoDB deletes lazily: the store itself says expired
    expect(await other.has('req-1')).toBe(false);
  });
});
