import { decodeCursor, encodeCursor, isPlainObject } from '../cursor.codec';
import type { AnalystFeedback, AnalystFeedbackRepository, FeedbackQuery } from '../feedback.port';
import type { Page } from '../repositories.port';
import { clampLimit, cloneRecord, validateFeedback } from '../storage.rules';
import type { JournalFile } from './journal-file';
import { JournaledMap, Serializer, type JournalStats } from './journaled-map';
import { topK } from './top-k';

export interface EmbeddedFeedbackRepositoryOptions {
  readonly journal?: JournalFile;
  readonly compactAfter?: number;
}

const isCursor = (v: unknown): v is { s: number; id: string } =>
  isPlainObject(v) && Number.isFinite(v['s']) && typeof v['id'] === 'string';

const newerFirst = (a: AnalystFeedback, b: AnalystFeedback) =>
  b.createdAt - a.createdAt || (a.feedbackId < b.feedbackId ? 1 : a.feedbackId > b.feedbackId ? -1 : 0);

/** Analyst feedback for the single-process mode (records are immutable, so the journal only grows by new ones). */
export class EmbeddedFeedbackRepository implements AnalystFeedbackRepository {
  private readonly lock = new Serializer();

  private constructor(private readonly table: JournaledMap<AnalystFeedback>) {}

  static async open(options: EmbeddedFeedbackRepositoryOptions = {}): Promise<EmbeddedFeedbackRepository> {
    return new EmbeddedFeedbackRepository(await JournaledMap.open<AnalystFeedback>('feedback', options.journal, options.compactAfter));
  }

  get stats(): JournalStats & { readonly records: number } {
    return { ...this.table.stats, records: this.table.size };
  }

  async record(feedback: AnalystFeedback): Promise<{ readonly created: boolean; readonly feedback: AnalystFeedback }> {
    validateFeedback(feedback);
    const rec = cloneRecord(feedback);
    return this.lock.run(async () => {
      const stored = this.table.get(rec.feedbackId);
      if (stored) return { created: false, feedback: cloneRecord(stored) };
      await this.table.set(rec.feedbackId, rec);
      return { created: true, feedback: cloneRecord(rec) };
    });
  }

  async get(feedbackId: string): Promise<AnalystFeedback | null> {
    const f = this.table.get(feedbackId);
    return f ? cloneRecord(f) : null;
  }

  async list(query: FeedbackQuery): Promise<Page<AnalystFeedback>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isCursor);
    const table = this.table;
    function* matching(): Generator<AnalystFeedback> {
      for (const f of table.values()) {
        if (query.subjectId !== undefined && f.subjectId !== query.subjectId) continue;
        if (query.detector !== undefined && f.detector !== query.detector) continue;
        if (query.since !== undefined && f.createdAt < query.since) continue;
        if (after && (f.createdAt > after.s || (f.createdAt === after.s && f.feedbackId >= after.id))) continue;
        yield f;
      }
    }
    const matches = topK(matching(), limit + 1, newerFirst);
    const items = matches.slice(0, limit).map((f) => cloneRecord(f));
    const last = items[items.length - 1];
    return matches.length > limit && last ? { items, cursor: encodeCursor({ s: last.createdAt, id: last.feedbackId }) } : { items };
  }

  close(): Promise<void> {
    return this.lock.run(() => this.table.close());
  }
}
