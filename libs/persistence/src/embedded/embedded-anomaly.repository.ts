import type { AnomalyV1 } from '@flowguard/contracts';
import { decodeCursor, encodeCursor, isPlainObject } from '../cursor.codec';
import type { AnomalyQuery, AnomalyRepository, Page } from '../repositories.port';
import { anomalyRetentionBase, clampLimit, cloneRecord, validateAnomaly } from '../storage.rules';
import type { JournalFile } from './journal-file';
import { JournaledMap, Serializer, type JournalStats } from './journaled-map';
import { topK } from './top-k';

export interface EmbeddedAnomalyRepositoryOptions {
  /** durable JSON-lines journal; without it the store lives in memory only */
  readonly journal?: JournalFile;
  /**
   * Anomalies are dropped by `pruneExpired()` (and at open) this long after
   * `anomalyRetentionBase` (lastSeen, or the last write if later), like the
   * DynamoDB TTL on `expiresAt`. Unset: kept forever.
   */
  readonly retentionDays?: number;
  /** epoch ms; injected for tests */
  readonly now?: () => number;
  /** journal lines before compaction is considered */
  readonly compactAfter?: number;
}

interface AnomalyCursor {
  readonly s: number;
  readonly id: string;
}

const isAnomalyCursor = (v: unknown): v is AnomalyCursor =>
  isPlainObject(v) && Number.isFinite(v['s']) && typeof v['id'] === 'string';

/** Order of every anomaly listing: lastSeen desc, then anomalyId desc so ties page stably. */
function newerFirst(a: AnomalyV1, b: AnomalyV1): number {
  return b.lastSeen - a.lastSeen || (a.anomalyId < b.anomalyId ? 1 : a.anomalyId > b.anomalyId ? -1 : 0);
}

/** Anomaly storage for the single-process mode: no server, optional journal file. */
export class EmbeddedAnomalyRepository implements AnomalyRepository {
  private readonly lock = new Serializer();

  private constructor(
    private readonly table: JournaledMap<AnomalyV1>,
    private readonly options: EmbeddedAnomalyRepositoryOptions,
  ) {}

  static async open(options: EmbeddedAnomalyRepositoryOptions = {}): Promise<EmbeddedAnomalyRepository> {
    const table = await JournaledMap.open<AnomalyV1>('anomalies', options.journal, options.compactAfter);
    const repo = new EmbeddedAnomalyRepository(table, options);
    await repo.pruneExpired();
    return repo;
  }

  get stats(): JournalStats & { readonly records: number } {
    return { ...this.table.stats, records: this.table.size };
  }

  async upsert(anomaly: AnomalyV1): Promise<{ readonly created: boolean; readonly applied: boolean }> {
    validateAnomaly(anomaly);
    const record = cloneRecord(anomaly);
    return this.lock.run(async () => {
      const stored = this.table.get(record.anomalyId);
      if (stored && stored.updatedAt >= record.updatedAt) return { created: false, applied: false };
      await this.table.set(record.anomalyId, record);
      return { created: !stored, applied: true };
    });
  }

  async get(anomalyId: string): Promise<AnomalyV1 | null> {
    const stored = this.table.get(anomalyId);
    return stored ? cloneRecord(stored) : null;
  }

  async list(query: AnomalyQuery): Promise<Page<AnomalyV1>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isAnomalyCursor);
    const matches = topK(this.matching(query, after), limit + 1, newerFirst);
    const items = matches.slice(0, limit).map((a) => cloneRecord(a));
    const last = items[items.length - 1];
    return matches.length > limit && last ? { items, cursor: encodeCursor({ s: last.lastSeen, id: last.anomalyId }) } : { items };
  }

  private *matching(query: AnomalyQuery, after: AnomalyCursor | undefined): Generator<AnomalyV1> {
    for (const a of this.table.values()) {
      if (query.detector !== undefined && a.detector !== query.detector) continue;
      if (query.actor !== undefined && a.actor !== query.actor) continue;
      if (query.since !== undefined && a.lastSeen < query.since) continue;
      if (after && (a.lastSeen > after.s || (a.lastSeen === after.s && a.anomalyId >= after.id))) continue;
      yield a;
    }
  }

  /** Drops anomalies past retention; returns how many. */
  pruneExpired(): Promise<number> {
    const days = this.options.retentionDays;
    if (days === undefined) return Promise.resolve(0);
    return this.lock.run(async () => {
      const cutoff = Math.floor((this.options.now ?? Date.now)() / 1000) - days * 86_400;
      const expired = [...this.table.values()].filter((a) => anomalyRetentionBase(a) < cutoff).map((a) => a.anomalyId);
      for (const id of expired) await this.table.delete(id);
      return expired.length;
    });
  }

  compact(): Promise<void> {
    return this.lock.run(() => this.table.compact());
  }

  close(): Promise<void> {
    return this.lock.run(() => this.table.close());
  }
}
