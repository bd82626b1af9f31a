import assert from 'node:assert/strict';
import type { Incident } from '@flowguard/contracts';
import { encodeCursor } from '../cursor.codec';
import {
  ConflictError, InvalidCursorError, NotFoundError, StorageValidationError, type IncidentRepository,
} from '../repositories.port';
import { StorageLimits } from '../storage.rules';
import { sampleEntry, sampleIncident } from './fixtures';
import { collectPages, testApi, type ContractOptions } from './test-api';

export interface IncidentRepositoryFactoryOptions {
  /** the suite lowers the cap so the trimming test stays short */
  readonly timelineCap: number;
}

/** Builds an EMPTY repository for one test (a fresh store or fresh tables). */
export type IncidentRepositoryFactory = (options: IncidentRepositoryFactoryOptions) => Promise<IncidentRepository>;

const ids = (xs: readonly Incident[]) => xs.map((i) => i.incidentId);
const DEFAULT_CAP = { timelineCap: StorageLimits.timelineCap };

/** The behaviour every IncidentRepository must show (see runAnomalyRepositoryContract). */
export function runIncidentRepositoryContract(name: string, make: IncidentRepositoryFactory, options: ContractOptions = {}): void {
  const { describe, it } = testApi(options);
  const t = options.timeoutMs;

  describe(`IncidentRepository contract: ${name}`, () => {
    it('creates once at version 1; a second create returns the stored incident untouched', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = sampleIncident({ version: 7 });
      const first = await repo.create(inc);
      assert.equal(first.created, true);
      assert.deepStrictEqual(first.incident, { ...inc, version: 1 });
      assert.deepStrictEqual(await repo.get(inc.incidentId), first.incident);
      const again = await repo.create({ ...inc, title: 'a different title' });
      assert.equal(again.created, false);
      assert.deepStrictEqual(again.incident, first.incident);
      assert.equal(await repo.get('inc-missing'), null);
    }, t);

    it('finds an incident by any of its anomalies; an anomaly belongs to one incident only', async () => {
      const repo = await make(DEFAULT_CAP);
      const a = sampleIncident({ incidentId: 'inc-a001', anomalyIds: ['anom-x-00001', 'anom-x-00002', 'anom-x-00001'] });
      const { incident } = await repo.create(a);
      assert.deepStrictEqual(incident.anomalyIds, ['anom-x-00001', 'anom-x-00002'], 'duplicate ids are stored once');
      assert.equal((await repo.findByAnomaly('anom-x-00002'))?.incidentId, 'inc-a001');
      assert.equal(await repo.findByAnomaly('anom-x-99999'), null);
      await assert.rejects(repo.create(sampleIncident({ incidentId: 'inc-b001', anomalyIds: ['anom-x-00003', 'anom-x-00002'] })), ConflictError);
      assert.equal(await repo.get('inc-b001'), null, 'a refused create writes nothing');
      assert.equal(await repo.findByAnomaly('anom-x-00003'), null, 'nor any anomaly link');
    }, t);

    it('transitions only from the stored state, appending the entry and bumping the version', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      const entry = sampleEntry({ at: inc.createdAt + 5000, type: 'state_changed', state: 'Investigating', text: 'taking it' });
      const moved = await repo.transition(inc.incidentId, 'New', 'Investigating', entry);
      assert.equal(moved.state, 'Investigating');
      assert.equal(moved.version, 2);
      assert.equal(moved.updatedAt, entry.at);
      assert.deepStrictEqual(moved.timeline, [...inc.timeline, entry]);
      assert.deepStrictEqual(await repo.get(inc.incidentId), moved);
      await assert.rejects(repo.transition(inc.incidentId, 'New', 'Closed', sampleEntry({ state: 'Closed' })), ConflictError);
      assert.deepStrictEqual(await repo.get(inc.incidentId), moved, 'a lost transition changes nothing');
      await assert.rejects(repo.transition('inc-missing', 'New', 'Closed', sampleEntry()), NotFoundError);
    }, t);

    it('does not judge the lifecycle: any move from the right state is stored', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident({ state: 'Closed' }))).incident;
      const back = await repo.transition(inc.incidentId, 'Closed', 'New', sampleEntry({ state: 'New' }));
      assert.equal(back.state, 'New');
    }, t);

    it('checks expectedVersion when given', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      await assert.rejects(repo.transition(inc.incidentId, 'New', 'Investigating', sampleEntry(), { expectedVersion: 2 }), ConflictError);
      await assert.rejects(repo.appendTimeline(inc.incidentId, sampleEntry(), { expectedVersion: 3 }), ConflictError);
      const ok = await repo.transition(inc.incidentId, 'New', 'Investigating', sampleEntry(), { expectedVersion: 1 });
      assert.equal(ok.version, 2);
      const noted = await repo.appendTimeline(inc.incidentId, sampleEntry(), { expectedVersion: 2 });
      assert.equal(noted.version, 3);
    }, t);

    it('lets exactly one of several concurrent transitions from the same state win', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      const targets = ['Investigating', 'Contained', 'Resolved', 'Closed', 'Investigating'] as const;
      const results = await Promise.allSettled(
        targets.map((to, i) => repo.transition(inc.incidentId, 'New', to, sampleEntry({ at: inc.createdAt + i + 1, state: to, text: `racer ${i}` }))),
      );
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      assert.equal(won.length, 1, 'exactly one winner');
      for (const e of lost) assert.ok(e instanceof ConflictError, `losers get ConflictError, got ${String(e)}`);
      const stored = await repo.get(inc.incidentId);
      assert.equal(stored?.state, won[0]?.state);
      assert.equal(stored?.version, 2);
      assert.equal(stored?.timeline.length, inc.timeline.length + 1);
    }, t);

    it('appends timeline entries without a state change', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      const note = sampleEntry({ at: inc.createdAt + 100 });
      const action = sampleEntry({ at: inc.createdAt + 200, type: 'action', text: 'blocked 10.0.0.5 in NACL' });
      await repo.appendTimeline(inc.incidentId, note);
      const after = await repo.appendTimeline(inc.incidentId, action);
      assert.equal(after.state, 'New');
      assert.equal(after.version, 3);
      assert.equal(after.updatedAt, action.at);
      assert.deepStrictEqual(after.timeline, [...inc.timeline, note, action]);
      await assert.rejects(repo.appendTimeline('inc-missing', note), NotFoundError);
    }, t);

    it('bounds the timeline: keeps the opening entry and the newest ones', async () => {
      const cap = 5;
      const repo = await make({ timelineCap: cap });
      const inc = (await repo.create(sampleIncident())).incident;
      const entries = Array.from({ length: 8 }, (_, i) => sampleEntry({ at: inc.createdAt + i + 1, text: `note ${i}` }));
      for (const e of entries.slice(0, 4)) await repo.appendTimeline(inc.incidentId, e);
      const fifth = entries[4];
      assert.ok(fifth);
      const moved = await repo.transition(inc.incidentId, 'New', 'Investigating', { ...fifth, state: 'Investigating' });
      assert.equal(moved.timeline.length, cap);
      for (const e of entries.slice(5)) await repo.appendTimeline(inc.incidentId, e);
      const stored = await repo.get(inc.incidentId);
      assert.equal(stored?.timeline.length, cap);
      assert.deepStrictEqual(stored?.timeline[0], inc.timeline[0]);
      assert.deepStrictEqual(stored?.timeline.slice(1).map((e) => e.text), ['note 4', 'note 5', 'note 6', 'note 7']);
      assert.equal(stored?.version, 1 + entries.length);
    }, t);

    it('cuts over-long timeline text with a visible marker instead of failing', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      const after = await repo.appendTimeline(inc.incidentId, sampleEntry({ text: 'x'.repeat(50_000) }));
      const text = after.timeline[after.timeline.length - 1]?.text ?? '';
      assert.equal(text.length, StorageLimits.timelineTextMax);
      assert.ok(text.endsWith('[truncated]'));
    }, t);

    it('updates non-state fields with set unions for targets and techniques', async () => {
      const repo = await make(DEFAULT_CAP);
      const inc = (await repo.create(sampleIncident())).incident;
      const entry = sampleEntry({ at: inc.createdAt + 9, type: 'updated', text: 'escalated' });
      const next = await repo.update(inc.incidentId, {
        severity: 'critical', summary: 'now also exfiltration', addTargets: ['10.0.1.7', '10.0.1.9'], addMitre: ['T1046', 'T1048'],
      }, entry);
      assert.equal(next.severity, 'critical');
      assert.equal(next.summary, 'now also exfiltration');
      assert.equal(next.title, inc.title);
      assert.deepStrictEqual(next.targets, ['10.0.1.7', '10.0.1.9']);
      assert.deepStrictEqual(next.mitre, ['T1046', 'T1048']);
      assert.equal(next.version, 2);
      assert.equal(next.updatedAt, entry.at);
      assert.deepStrictEqual(await repo.get(inc.incidentId), next);
      await assert.rejects(repo.update(inc.incidentId, { title: 'x' }, entry, { expectedVersion: 1 }), ConflictError);
      await assert.rejects(repo.update('inc-missing', { title: 'x' }, entry), NotFoundError);
    }, t);

    it('attaches an anomaly once and refuses one owned by another incident', async () => {
      const repo = await make(DEFAULT_CAP);
      const a = (await repo.create(sampleIncident({ incidentId: 'inc-att-a', anomalyIds: ['anom-att-00001'] }))).incident;
      await repo.create(sampleIncident({ incidentId: 'inc-att-b', anomalyIds: ['anom-att-00009'] }));
      const entry = sampleEntry({ type: 'updated', text: 'correlated' });
      const first = await repo.attachAnomaly(a.incidentId, 'anom-att-00002', entry);
      assert.equal(first.attached, true);
      assert.deepStrictEqual(first.incident.anomalyIds, ['anom-att-00001', 'anom-att-00002']);
      assert.equal(first.incident.version, 2);
      assert.equal((await repo.findByAnomaly('anom-att-00002'))?.incidentId, 'inc-att-a');
      const again = await repo.attachAnomaly(a.incidentId, 'anom-att-00002', entry);
      assert.equal(again.attached, false);
      assert.equal(again.incident.version, 2);
      await assert.rejects(repo.attachAnomaly(a.incidentId, 'anom-att-00009', entry), ConflictError);
      await assert.rejects(repo.attachAnomaly('inc-missing', 'anom-att-00003', entry), NotFoundError);
      assert.equal(await repo.findByAnomaly('anom-att-00003'), null);
    }, t);

    it('lists newest first: by createdAt overall, by updatedAt within a state', async () => {
      const repo = await make(DEFAULT_CAP);
      const base = 1_700_000_000_000;
      for (let i = 0; i < 6; i++) {
        await repo.create(sampleIncident({
          incidentId: `inc-list-${i}`, anomalyIds: [`anom-list-0000${i}`], createdAt: base + i * 1000, updatedAt: base + i * 1000,
          severity: i % 2 === 0 ? 'high' : 'low', timeline: [],
        }));
      }
      // the oldest incident moves last, so it heads the Investigating queue but stays last overall
      await repo.transition('inc-list-3', 'New', 'Investigating', sampleEntry({ at: base + 10_000, state: 'Investigating' }));
      await repo.transition('inc-list-0', 'New', 'Investigating', sampleEntry({ at: base + 20_000, state: 'Investigating' }));
      const all = await collectPages((cursor) => repo.list({ limit: 4, ...(cursor ? { cursor } : {}) }));
      assert.deepStrictEqual(ids(all.items), ['inc-list-5', 'inc-list-4', 'inc-list-3', 'inc-list-2', 'inc-list-1', 'inc-list-0']);
      assert.ok(all.pages.length >= 2);
      const q = async (query: Parameters<IncidentRepository['list']>[0]) =>
        ids((await collectPages((cursor) => repo.list({ ...query, limit: 1, ...(cursor ? { cursor } : {}) }))).items);
      assert.deepStrictEqual(await q({ state: 'Investigating' }), ['inc-list-0', 'inc-list-3']);
      assert.deepStrictEqual(await q({ state: 'New' }), ['inc-list-5', 'inc-list-4', 'inc-list-2', 'inc-list-1']);
      assert.deepStrictEqual(await q({ severity: 'high' }), ['inc-list-4', 'inc-list-2', 'inc-list-0']);
      assert.deepStrictEqual(await q({ state: 'New', severity: 'low' }), ['inc-list-5', 'inc-list-1']);
      assert.deepStrictEqual(await q({ state: 'Closed' }), []);
    }, t);

    it('rejects a cursor it did not issue with InvalidCursorError', async () => {
      const repo = await make(DEFAULT_CAP);
      await repo.create(sampleIncident());
      await assert.rejects(repo.list({ cursor: '%%%' }), InvalidCursorError);
      await assert.rejects(repo.list({ cursor: encodeCursor({ nope: true }) }), InvalidCursorError);
      await assert.rejects(repo.list({ state: 'New', cursor: encodeCursor('string') }), InvalidCursorError);
    }, t);

    it('refuses incidents it could not store faithfully with StorageValidationError', async () => {
      const repo = await make(DEFAULT_CAP);
      await assert.rejects(repo.create(sampleIncident({ incidentId: 'no-prefix' })), StorageValidationError);
      await assert.rejects(repo.create(sampleIncident({ anomalyIds: ['bad id with spaces'] })), StorageValidationError);
      await assert.rejects(repo.create(sampleIncident({ createdAt: Number.NaN })), StorageValidationError);
      const tooMany = Array.from({ length: StorageLimits.anomaliesAtCreate + 1 }, (_, i) => `anom-many-${i}-xxxx`);
      await assert.rejects(repo.create(sampleIncident({ anomalyIds: tooMany })), StorageValidationError);
      assert.equal(await repo.get(sampleIncident().incidentId), null);
    }, t);
  });
}
