import assert from 'node:assert/strict';
import type { AnomalyV1 } from '@flowguard/contracts';
import { InvalidCursorError, StorageValidationError, type AnomalyRepository } from '../repositories.port';
import { encodeCursor } from '../cursor.codec';
import { sampleAnomaly } from './fixtures';
import { collectPages, testApi, type ContractOptions } from './test-api';

/** Builds an EMPTY repository for one test (a fresh store or fresh tables). */
export type AnomalyRepositoryFactory = () => Promise<AnomalyRepository>;

const ids = (xs: readonly AnomalyV1[]) => xs.map((a) => a.anomalyId);

/**
 * The behaviour every AnomalyRepository must show. Unit specs run it against
 * the embedded store, integration specs against DynamoDB Local: one set of
 * assertions, so the adapters cannot drift apart.
 */
export function runAnomalyRepositoryContract(name: string, make: AnomalyRepositoryFactory, options: ContractOptions = {}): void {
  const { describe, it } = testApi(options);
  const t = options.timeoutMs;

  describe(`AnomalyRepository contract: ${name}`, () => {
    it('creates a new anomaly and ignores a redelivery with the same updatedAt', async () => {
      const repo = await make();
      const a = sampleAnomaly();
      assert.deepEqual(await repo.upsert(a), { created: true, applied: true });
      assert.deepEqual(await repo.upsert({ ...a, summary: 'redelivered copy' }), { created: false, applied: false });
      assert.deepStrictEqual(await repo.get(a.anomalyId), a);
    }, t);

    it('applies a newer updatedAt and never rolls back to an older one', async () => {
      const repo = await make();
      const v1 = sampleAnomaly();
      const v2 = sampleAnomaly({ updatedAt: v1.updatedAt + 60_000, lastSeen: v1.lastSeen + 60, occurrences: 2, summary: 'v2' });
      await repo.upsert(v1);
      assert.deepEqual(await repo.upsert(v2), { created: false, applied: true });
      assert.deepEqual(await repo.upsert({ ...v1, occurrences: 9 }), { created: false, applied: false });
      assert.deepStrictEqual(await repo.get(v1.anomalyId), v2);
    }, t);

    it('returns null for an unknown id and copies, not live references', async () => {
      const repo = await make();
      assert.equal(await repo.get('anom-does-not-exist'), null);
      const a = sampleAnomaly({ actor: null, context: undefined });
      await repo.upsert(a);
      const got = await repo.get(a.anomalyId);
      assert.ok(got);
      assert.equal(got.actor, null);
      assert.equal('context' in got, false, 'undefined fields are not stored');
      got.targets.push('mutated');
      assert.deepStrictEqual((await repo.get(a.anomalyId))?.targets, a.targets);
    }, t);

    it('lists newest first by lastSeen across pages, each anomaly exactly once', async () => {
      const repo = await make();
      const all = Array.from({ length: 7 }, (_, i) =>
        sampleAnomaly({ anomalyId: `anom-list-${i}-xxxx`, lastSeen: 1_700_000_000 + ((i * 37) % 7) * 10, updatedAt: 1_700_000_000_000 + i }));
      for (const a of all) await repo.upsert(a);
      const { items, pages } = await collectPages((cursor) => repo.list({ limit: 3, ...(cursor ? { cursor } : {}) }));
      const expected = [...all].sort((x, y) => y.lastSeen - x.lastSeen);
      assert.deepStrictEqual(ids(items), ids(expected));
      assert.ok(pages.length >= 3, `7 items at limit 3 need 3 pages, got ${pages.length}`);
      for (const p of pages) assert.ok(p.items.length <= 3);
      assert.equal(typeof pages[0]?.cursor, 'string');
      assert.deepStrictEqual(items[0], expected[0], 'listing returns whole anomalies');
    }, t);

    it('filters by detector, by actor, by both, and by since', async () => {
      const repo = await make();
      const rows: Array<[string, string, string | null, number]> = [
        ['anom-f-1-xxxx', 'port-scan', '10.0.0.1', 100],
        ['anom-f-2-xxxx', 'port-scan', '10.0.0.2', 200],
        ['anom-f-3-xxxx', 'brute-force', '10.0.0.1', 300],
        ['anom-f-4-xxxx', 'brute-force', null, 400],
        ['anom-f-5-xxxx', 'port-scan', '10.0.0.1', 500],
      ];
      for (const [anomalyId, detector, actor, lastSeen] of rows) {
        await repo.upsert(sampleAnomaly({ anomalyId, detector, actor, lastSeen, firstSeen: lastSeen - 10 }));
      }
      const q = async (query: Parameters<AnomalyRepository['list']>[0]) =>
        ids((await collectPages((cursor) => repo.list({ ...query, limit: 2, ...(cursor ? { cursor } : {}) }))).items);
      assert.deepStrictEqual(await q({ detector: 'port-scan' }), ['anom-f-5-xxxx', 'anom-f-2-xxxx', 'anom-f-1-xxxx']);
      assert.deepStrictEqual(await q({ actor: '10.0.0.1' }), ['anom-f-5-xxxx', 'anom-f-3-xxxx', 'anom-f-1-xxxx']);
      assert.deepStrictEqual(await q({ detector: 'port-scan', actor: '10.0.0.1' }), ['anom-f-5-xxxx', 'anom-f-1-xxxx']);
      assert.deepStrictEqual(await q({ since: 300 }), ['anom-f-5-xxxx', 'anom-f-4-xxxx', 'anom-f-3-xxxx']);
      assert.deepStrictEqual(await q({ detector: 'brute-force', since: 301 }), ['anom-f-4-xxxx']);
      assert.deepStrictEqual(await q({ actor: '10.0.0.1', since: 301 }), ['anom-f-5-xxxx']);
      assert.deepStrictEqual(await q({ detector: 'no-such-detector' }), []);
      assert.deepStrictEqual(await q({}), ['anom-f-5-xxxx', 'anom-f-4-xxxx', 'anom-f-3-xxxx', 'anom-f-2-xxxx', 'anom-f-1-xxxx']);
    }, t);

    it('moves an anomaly in the order when an update advances lastSeen', async () => {
      const repo = await make();
      const old = sampleAnomaly({ anomalyId: 'anom-move-old', lastSeen: 100, updatedAt: 1 });
      const mid = sampleAnomaly({ anomalyId: 'anom-move-mid', lastSeen: 200, updatedAt: 1 });
      await repo.upsert(old);
      await repo.upsert(mid);
      await repo.upsert({ ...old, lastSeen: 300, updatedAt: 2 });
      assert.deepStrictEqual(ids((await repo.list({ detector: 'port-scan' })).items), ['anom-move-old', 'anom-move-mid']);
      assert.deepStrictEqual(ids((await repo.list({ actor: old.actor as string })).items), ['anom-move-old', 'anom-move-mid']);
      assert.deepStrictEqual(ids((await repo.list({})).items), ['anom-move-old', 'anom-move-mid']);
    }, t);

    it('rejects a cursor it did not issue with InvalidCursorError', async () => {
      const repo = await make();
      await repo.upsert(sampleAnomaly());
      await assert.rejects(repo.list({ cursor: 'not a cursor!' }), InvalidCursorError);
      await assert.rejects(repo.list({ cursor: encodeCursor({ hello: 'world' }) }), InvalidCursorError);
      await assert.rejects(repo.list({ detector: 'port-scan', cursor: encodeCursor([1, 2, 3]) }), InvalidCursorError);
    }, t);

    it('refuses records it could not store faithfully with StorageValidationError', async () => {
      const repo = await make();
      await assert.rejects(repo.upsert(sampleAnomaly({ anomalyId: 'short' })), StorageValidationError);
      await assert.rejects(repo.upsert(sampleAnomaly({ score: Number.NaN })), StorageValidationError);
      await assert.rejects(repo.upsert(sampleAnomaly({ lastSeen: 1.5 })), StorageValidationError);
      assert.equal(await repo.get(sampleAnomaly().anomalyId), null);
    }, t);

    it('clamps the page size into [1, 500]', async () => {
      const repo = await make();
      await repo.upsert(sampleAnomaly({ anomalyId: 'anom-clamp-1', lastSeen: 1 }));
      await repo.upsert(sampleAnomaly({ anomalyId: 'anom-clamp-2', lastSeen: 2 }));
      const page = await repo.list({ limit: 0 });
      assert.deepStrictEqual(ids(page.items), ['anom-clamp-2']);
      assert.equal(typeof page.cursor, 'string');
      assert.equal((await repo.list({ limit: 10_000 })).items.length, 2);
    }, t);
  });
}
