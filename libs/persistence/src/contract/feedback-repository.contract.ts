import assert from 'node:assert/strict';
import { encodeCursor } from '../cursor.codec';
import type { AnalystFeedback, AnalystFeedbackRepository } from '../feedback.port';
import { InvalidCursorError, StorageValidationError } from '../repositories.port';
import { collectPages, testApi, type ContractOptions } from './test-api';

export type FeedbackRepositoryFactory = () => Promise<AnalystFeedbackRepository>;

export function sampleFeedback(overrides: Partial<AnalystFeedback> = {}): AnalystFeedback {
  return {
    feedbackId: 'fb-00000001',
    subjectType: 'anomaly',
    subjectId: 'anom-port-scan-10.0.0.5-0001',
    detector: 'port-scan',
    verdict: 'false_positive',
    analyst: 'analyst@example.org',
    note: 'vulnerability scanner of the security team',
    score: 41.5,
    confidence: 0.92,
    createdAt: 1_700_000_500_000,
    ...overrides,
  };
}

const ids = (xs: readonly AnalystFeedback[]) => xs.map((f) => f.feedbackId);

/** The behaviour every AnalystFeedbackRepository must show. */
export function runFeedbackRepositoryContract(name: string, make: FeedbackRepositoryFactory, options: ContractOptions = {}): void {
  const { describe, it } = testApi(options);
  const t = options.timeoutMs;

  describe(`AnalystFeedbackRepository contract: ${name}`, () => {
    it('records once per feedbackId and never overwrites', async () => {
      const repo = await make();
      const f = sampleFeedback();
      assert.deepStrictEqual(await repo.record(f), { created: true, feedback: f });
      assert.deepStrictEqual(await repo.record({ ...f, verdict: 'true_positive' }), { created: false, feedback: f });
      assert.deepStrictEqual(await repo.get(f.feedbackId), f);
      assert.equal(await repo.get('fb-missing-1'), null);
    }, t);

    it('lists newest first overall, by detector and by subject, with since and pages', async () => {
      const repo = await make();
      const rows: Array<[string, string, string, number]> = [
        ['fb-list-0001', 'port-scan', 'anom-a-000001', 1000],
        ['fb-list-0002', 'brute-force', 'anom-b-000001', 2000],
        ['fb-list-0003', 'port-scan', 'anom-a-000001', 3000],
        ['fb-list-0004', 'port-scan', 'anom-c-000001', 4000],
        ['fb-list-0005', 'brute-force', 'anom-b-000001', 5000],
      ];
      for (const [feedbackId, detector, subjectId, createdAt] of rows) await repo.record(sampleFeedback({ feedbackId, detector, subjectId, createdAt }));
      const q = async (query: Parameters<AnalystFeedbackRepository['list']>[0]) =>
        ids((await collectPages((cursor) => repo.list({ ...query, limit: 2, ...(cursor ? { cursor } : {}) }))).items);
      assert.deepStrictEqual(await q({}), ['fb-list-0005', 'fb-list-0004', 'fb-list-0003', 'fb-list-0002', 'fb-list-0001']);
      assert.deepStrictEqual(await q({ detector: 'port-scan' }), ['fb-list-0004', 'fb-list-0003', 'fb-list-0001']);
      assert.deepStrictEqual(await q({ subjectId: 'anom-b-000001' }), ['fb-list-0005', 'fb-list-0002']);
      assert.deepStrictEqual(await q({ subjectId: 'anom-a-000001', detector: 'brute-force' }), []);
      assert.deepStrictEqual(await q({ detector: 'port-scan', since: 3000 }), ['fb-list-0004', 'fb-list-0003']);
      assert.deepStrictEqual(await q({ since: 4500 }), ['fb-list-0005']);
    }, t);

    it('refuses invalid feedback and foreign cursors', async () => {
      const repo = await make();
      await assert.rejects(repo.record(sampleFeedback({ verdict: 'maybe' as never })), StorageValidationError);
      await assert.rejects(repo.record(sampleFeedback({ subjectType: 'incident', subjectId: 'anom-not-an-incident' })), StorageValidationError);
      await assert.rejects(repo.record(sampleFeedback({ note: 'n'.repeat(5000) })), StorageValidationError);
      await assert.rejects(repo.record(sampleFeedback({ analyst: '' })), StorageValidationError);
      assert.equal(await repo.get(sampleFeedback().feedbackId), null);
      await assert.rejects(repo.list({ cursor: encodeCursor({ q: 1 }) }), InvalidCursorError);
    }, t);
  });
}
