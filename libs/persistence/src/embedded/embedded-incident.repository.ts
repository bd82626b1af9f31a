import type { Incident, IncidentState, IncidentTimelineEntry } from '@flowguard/contracts';
import { decodeCursor, encodeCursor, isPlainObject } from '../cursor.codec';
import {
  ConflictError, NotFoundError, type IncidentPatch, type IncidentQuery, type IncidentRepository, type Page, type WriteOptions,
} from '../repositories.port';
import {
  appendCapped, applyAttach, applyPatch, clampLimit, cloneRecord, normalizeEntry, prepareNewIncident, StorageLimits,
  validateAnomalyId,
} from '../storage.rules';
import type { JournalFile } from './journal-file';
import { JournaledMap, Serializer, type JournalStats } from './journaled-map';
import { topK } from './top-k';

export interface EmbeddedIncidentRepositoryOptions {
  readonly journal?: JournalFile;
  /** timeline entries kept per incident (default StorageLimits.timelineCap) */
  readonly timelineCap?: number;
  readonly compactAfter?: number;
}

interface IncidentCursor {
  readonly s: number;
  readonly id: string;
}

const isIncidentCursor = (v: unknown): v is IncidentCursor =>
  isPlainObject(v) && Number.isFinite(v['s']) && typeof v['id'] === 'string';

/**
 * Incident storage for the single-process mode. The anomaly → incident index
 * is not journaled: it is rebuilt from `anomalyIds` at open, so it cannot
 * disagree with the incidents.
 */
export class EmbeddedIncidentRepository implements IncidentRepository {
  private readonly lock = new Serializer();
  private readonly byAnomaly = new Map<string, string>();
  private readonly timelineCap: number;

  private constructor(
    private readonly table: JournaledMap<Incident>,
    options: EmbeddedIncidentRepositoryOptions,
  ) {
    this.timelineCap = options.timelineCap ?? StorageLimits.timelineCap;
    const oldestFirst = [...table.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const inc of oldestFirst) {
      for (const a of inc.anomalyIds) if (!this.byAnomaly.has(a)) this.byAnomaly.set(a, inc.incidentId);
    }
  }

  static async open(options: EmbeddedIncidentRepositoryOptions = {}): Promise<EmbeddedIncidentRepository> {
    const table = await JournaledMap.open<Incident>('incidents', options.journal, options.compactAfter);
    return new EmbeddedIncidentRepository(table, options);
  }

  get stats(): JournalStats & { readonly records: number } {
    return { ...this.table.stats, records: this.table.size };
  }

  async create(incident: Incident): Promise<{ readonly created: boolean; readonly incident: Incident }> {
    const record = cloneRecord(prepareNewIncident(incident, this.timelineCap));
    return this.lock.run(async () => {
      const stored = this.table.get(record.incidentId);
      if (stored) return { created: false, incident: cloneRecord(stored) };
      for (const a of record.anomalyIds) {
        const owner = this.byAnomaly.get(a);
        if (owner !== undefined) throw new ConflictError(`anomaly ${a} already belongs to incident ${owner}`);
      }
      await this.table.set(record.incidentId, record);
      for (const a of record.anomalyIds) this.byAnomaly.set(a, record.incidentId);
      return { created: true, incident: cloneRecord(record) };
    });
  }

  async get(incidentId: string): Promise<Incident | null> {
    const stored = this.table.get(incidentId);
    return stored ? cloneRecord(stored) : null;
  }

  async transition(
    incidentId: string, from: IncidentState, to: IncidentState, entry: IncidentTimelineEntry, options: WriteOptions = {},
  ): Promise<Incident> {
    const e = normalizeEntry(entry);
    return this.write(incidentId, options, (cur) => {
      if (cur.state !== from) throw new ConflictError(`incident ${incidentId} is ${cur.state}, not ${from}`);
      return { ...cur, state: to, timeline: appendCapped(cur.timeline, e, this.timelineCap), updatedAt: e.at, version: cur.version + 1 };
    });
  }

  async appendTimeline(incidentId: string, entry: IncidentTimelineEntry, options: WriteOptions = {}): Promise<Incident> {
    const e = normalizeEntry(entry);
    return this.write(incidentId, options, (cur) => ({
      ...cur, timeline: appendCapped(cur.timeline, e, this.timelineCap), updatedAt: e.at, version: cur.version + 1,
    }));
  }

  async update(incidentId: string, patch: IncidentPatch, entry: IncidentTimelineEntry, options: WriteOptions = {}): Promise<Incident> {
    normalizeEntry(entry);
    return this.write(incidentId, options, (cur) => applyPatch(cur, patch, entry, this.timelineCap));
  }

  async attachAnomaly(
    incidentId: string, anomalyId: string, entry: IncidentTimelineEntry,
  ): Promise<{ readonly attached: boolean; readonly incident: Incident }> {
    validateAnomalyId(anomalyId);
    normalizeEntry(entry);
    return this.lock.run(async () => {
      const cur = this.table.get(incidentId);
      if (!cur) throw new NotFoundError(`incident ${incidentId} not found`);
      const owner = this.byAnomaly.get(anomalyId);
      if (owner === incidentId) return { attached: false, incident: cloneRecord(cur) };
      if (owner !== undefined) throw new ConflictError(`anomaly ${anomalyId} already belongs to incident ${owner}`);
      const next = cloneRecord(applyAttach(cur, anomalyId, entry, this.timelineCap));
      await this.table.set(incidentId, next);
      this.byAnomaly.set(anomalyId, incidentId);
      return { attached: true, incident: cloneRecord(next) };
    });
  }

  async list(query: IncidentQuery): Promise<Page<Incident>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isIncidentCursor);
    // a state queue is ordered by what moved last, the full list by creation (same as the DynamoDB GSIs)
    const key = (i: Incident) => (query.state !== undefined ? i.updatedAt : i.createdAt);
    const table = this.table;
    function* matching(): Generator<Incident> {
      for (const i of table.values()) {
        if (query.state !== undefined && i.state !== query.state) continue;
        if (query.severity !== undefined && i.severity !== query.severity) continue;
        if (after && (key(i) > after.s || (key(i) === after.s && i.incidentId >= after.id))) continue;
        yield i;
      }
    }
    const matches = topK(matching(), limit + 1,
      (a, b) => key(b) - key(a) || (a.incidentId < b.incidentId ? 1 : a.incidentId > b.incidentId ? -1 : 0));
    const items = matches.slice(0, limit).map((i) => cloneRecord(i));
    const last = items[items.length - 1];
    return matches.length > limit && last ? { items, cursor: encodeCursor({ s: key(last), id: last.incidentId }) } : { items };
  }

  async findByAnomaly(anomalyId: string): Promise<Incident | null> {
    const id = this.byAnomaly.get(anomalyId);
    return id === undefined ? null : this.get(id);
  }

  compact(): Promise<void> {
    return this.lock.run(() => this.table.compact());
  }

  close(): Promise<void> {
    return this.lock.run(() => this.table.close());
  }

  /** Conditional read-modify-write under the lock; `change` throws ConflictError to refuse. */
  private write(incidentId: string, options: WriteOptions, change: (cur: Incident) => Incident): Promise<Incident> {
    return this.lock.run(async () => {
      const cur = this.table.get(incidentId);
      if (!cur) throw new NotFoundError(`incident ${incidentId} not found`);
      if (options.expectedVersion !== undefined && cur.version !== options.expectedVersion) {
        throw new ConflictError(`incident ${incidentId} is at version ${cur.version}, not ${options.expectedVersion}`);
      }
      const next = cloneRecord(change(cur));
      await this.table.set(incidentId, next);
      return cloneRecord(next);
    });
  }
}
