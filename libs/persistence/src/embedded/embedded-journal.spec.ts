import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleAnomaly, sampleEntry, sampleIncident } from '../contract/fixtures';
import { EmbeddedAnomalyRepository } from './embedded-anomaly.repository';
import { EmbeddedIncidentRepository } from './embedded-incident.repository';
import { openEmbeddedStore } from './embedded-store';
import { MemoryJournalFile, type JournalFile } from './journal-file';

describe('embedded store durability', () => {
  it('survives a restart: incidents, their anomaly links and versions come back', async () => {
    const journal = new MemoryJournalFile();
    const first = await EmbeddedIncidentRepository.open({ journal });
    await first.create(sampleIncident());
    await first.transition('inc-0001', 'New', 'Investigating', sampleEntry({ state: 'Investigating' }));
    await first.attachAnomaly('inc-0001', 'anom-second-0001', sampleEntry());
    const before = await first.get('inc-0001');

    const reopened = await EmbeddedIncidentRepository.open({ journal });
    expect(await reopened.get('inc-0001')).toEqual(before);
    expect((await reopened.findByAnomaly('anom-second-0001'))?.incidentId).toBe('inc-0001');
    expect(reopened.stats).toMatchObject({ replayed: 3, corruptLines: 0, records: 1 });
    await expect(reopened.create(sampleIncident({ incidentId: 'inc-0002' }))).rejects.toThrow(/already belongs/);
  });

  it('survives a restart for anomalies, keeping the newest version', async () => {
    const journal = new MemoryJournalFile();
    const first = await EmbeddedAnomalyRepository.open({ journal });
    const a = sampleAnomaly();
    await first.upsert(a);
    await first.upsert({ ...a, updatedAt: a.updatedAt + 1, occurrences: 2 });
    const reopened = await EmbeddedAnomalyRepository.open({ journal });
    expect((await reopened.get(a.anomalyId))?.occurrences).toBe(2);
    expect(await reopened.upsert({ ...a, updatedAt: a.updatedAt + 1 })).toEqual({ created: false, applied: false });
  });

  it('skips a torn last line, counts it, and keeps appending cleanly after it', async () => {
    const journal = new MemoryJournalFile();
    const first = await EmbeddedAnomalyRepository.open({ journal });
    await first.upsert(sampleAnomaly({ anomalyId: 'anom-torn-0001' }));
    journal.content += '{"k":"anom-torn-0002","v":{"anomalyId":"anom-to'; // crash mid-append

    const second = await EmbeddedAnomalyRepository.open({ journal });
    expect(second.stats).toMatchObject({ corruptLines: 1, records: 1 });
    await second.upsert(sampleAnomaly({ anomalyId: 'anom-torn-0003' }));

    const third = await EmbeddedAnomalyRepository.open({ journal });
    expect(third.stats).toMatchObject({ corruptLines: 1, records: 2 });
    expect(await third.get('anom-torn-0003')).not.toBeNull();
  });

  it('compacts to one line per record once dead lines dominate', async () => {
    const journal = new MemoryJournalFile();
    const repo = await EmbeddedAnomalyRepository.open({ journal, compactAfter: 10 });
    const a = sampleAnomaly();
    for (let i = 0; i < 25; i++) await repo.upsert({ ...a, updatedAt: a.updatedAt + i, occurrences: i + 1 });
    expect(repo.stats.compactions).toBeGreaterThan(0);
    const lines = (journal.content ?? '').trim().split('\n');
    expect(lines.length).toBeLessThan(12);
    const reopened = await EmbeddedAnomalyRepository.open({ journal });
    expect((await reopened.get(a.anomalyId))?.occurrences).toBe(25);
  });

  it('refuses to open a journal of the other kind', async () => {
    const journal = new MemoryJournalFile();
    const incidents = await EmbeddedIncidentRepository.open({ journal });
    await incidents.create(sampleIncident());
    await incidents.compact();
    await expect(EmbeddedAnomalyRepository.open({ journal })).rejects.toThrow(/expected "anomalies"/);
  });

  it('leaves memory untouched when the journal append fails, and keeps serving', async () => {
    let fail = true;
    const inner = new MemoryJournalFile();
    const flaky: JournalFile = {
      read: () => inner.read(),
      append: (text) => (fail ? Promise.reject(new Error('disk full')) : inner.append(text)),
      replace: (text) => inner.replace(text),
      close: () => inner.close(),
    };
    const repo = await EmbeddedIncidentRepository.open({ journal: flaky });
    await expect(repo.create(sampleIncident())).rejects.toThrow('disk full');
    expect(await repo.get('inc-0001')).toBeNull();
    expect(await repo.findByAnomaly('anom-port-scan-10.0.0.5-0001')).toBeNull();
    fail = false;
    expect((await repo.create(sampleIncident())).created).toBe(true);
  });

  it('prunes anomalies past retention at open and on demand', async () => {
    const journal = new MemoryJournalFile();
    let now = 1_700_000_000_000;
    const repo = await EmbeddedAnomalyRepository.open({ journal, retentionDays: 1, now: () => now });
    const at = (secondsAgo: number) => now / 1000 - secondsAgo;
    await repo.upsert(sampleAnomaly({ anomalyId: 'anom-old-00001', lastSeen: at(2 * 86_400), updatedAt: (at(2 * 86_400) + 60) * 1000 }));
    await repo.upsert(sampleAnomaly({ anomalyId: 'anom-new-00001', lastSeen: at(3600), updatedAt: at(3600) * 1000 }));
    // a replay of last year's flows, detected an hour ago: kept, retention counts from the write
    await repo.upsert(sampleAnomaly({ anomalyId: 'anom-replay-01', lastSeen: at(365 * 86_400), updatedAt: at(3600) * 1000 }));
    expect(await repo.pruneExpired()).toBe(1);
    expect(await repo.get('anom-old-00001')).toBeNull();
    expect(await repo.get('anom-replay-01')).not.toBeNull();
    now += 86_400_000;
    const reopened = await EmbeddedAnomalyRepository.open({ journal, retentionDays: 1, now: () => now });
    expect(await reopened.get('anom-new-00001')).toBeNull();
  });

  it('writes JSON lines to real files through openEmbeddedStore', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fg-embedded-'));
    try {
      const store = await openEmbeddedStore({ dir });
      await store.anomalies.upsert(sampleAnomaly());
      await store.incidents.create(sampleIncident());
      await store.close();
      const text = await readFile(join(dir, 'incidents.jsonl'), 'utf8');
      expect(JSON.parse(text.trim()).k).toBe('inc-0001');
      const again = await openEmbeddedStore({ dir });
      expect(await again.anomalies.get(sampleAnomaly().anomalyId)).toEqual(sampleAnomaly());
      expect((await again.incidents.findByAnomaly(sampleAnomaly().anomalyId))?.incidentId).toBe('inc-0001');
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
