import type { JournalFile } from './journal-file';

/** Runs async critical sections one after another: check-then-write stays atomic across awaits. */
export class Serializer {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(fn, fn);
    // keep the chain alive whatever the outcome of this section
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface JournalStats {
  /** lines replayed at open */
  readonly replayed: number;
  /** lines that could not be parsed (torn last write, manual edits); skipped, never fatal */
  readonly corruptLines: number;
  readonly compactions: number;
}

const FORMAT = 1;

/**
 * A Map whose every write is first appended to a JSON-lines journal
 * (`{"k":key,"v":value}` or `{"k":key,"d":1}`); reopening replays it, last
 * write wins. When dead lines outnumber live records the journal is rewritten
 * as a snapshot. Without a journal file it is a plain Map.
 */
export class JournaledMap<T> {
  private readonly map = new Map<string, T>();
  private lines = 0;
  private replayed = 0;
  private corrupt = 0;
  private compactions = 0;

  private constructor(
    private readonly kind: string,
    private readonly file: JournalFile | undefined,
    private readonly compactAfter: number,
  ) {}

  static async open<T>(kind: string, file: JournalFile | undefined, compactAfter = 10_000): Promise<JournaledMap<T>> {
    const m = new JournaledMap<T>(kind, file, compactAfter);
    if (file) {
      const content = await file.read();
      m.replay(content);
      // a torn last line (crash mid-append) would swallow the next record: terminate it
      if (content && !content.endsWith('\n')) await file.append('\n');
    }
    return m;
  }

  private replay(content: string | null): void {
    if (!content) return;
    for (const line of content.split('\n')) {
      if (line.length === 0) continue;
      let rec: { k?: unknown; v?: unknown; d?: unknown; journal?: unknown; kind?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        this.corrupt++;
        continue;
      }
      if (rec.journal !== undefined) {
        if (rec.kind !== this.kind) throw new Error(`journal holds "${String(rec.kind)}" records, expected "${this.kind}"`);
        continue;
      }
      if (typeof rec.k !== 'string' || (rec.d === undefined && (typeof rec.v !== 'object' || rec.v === null))) {
        this.corrupt++;
        continue;
      }
      if (rec.d !== undefined) this.map.delete(rec.k);
      else this.map.set(rec.k, rec.v as T);
      this.replayed++;
      this.lines++;
    }
  }

  get stats(): JournalStats {
    return { replayed: this.replayed, corruptLines: this.corrupt, compactions: this.compactions };
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    return this.map.get(key);
  }

  values(): IterableIterator<T> {
    return this.map.values();
  }

  /** Journal first, then memory: a failed append leaves the state untouched. Call inside a Serializer. */
  async set(key: string, value: T): Promise<void> {
    await this.write(JSON.stringify({ k: key, v: value }) + '\n');
    this.map.set(key, value);
    await this.maybeCompact();
  }

  async setMany(entries: ReadonlyArray<readonly [string, T]>): Promise<void> {
    if (entries.length === 0) return;
    await this.write(entries.map(([k, v]) => JSON.stringify({ k, v }) + '\n').join(''));
    for (const [k, v] of entries) this.map.set(k, v);
    this.lines += entries.length - 1;
    await this.maybeCompact();
  }

  async delete(key: string): Promise<void> {
    if (!this.map.has(key)) return;
    await this.write(JSON.stringify({ k: key, d: 1 }) + '\n');
    this.map.delete(key);
    await this.maybeCompact();
  }

  private async write(text: string): Promise<void> {
    if (!this.file) return;
    await this.file.append(text);
    this.lines++;
  }

  private async maybeCompact(): Promise<void> {
    if (!this.file || this.lines < this.compactAfter || this.lines < 2 * this.map.size) return;
    await this.compact();
  }

  /** Rewrites the journal as one line per live record. */
  async compact(): Promise<void> {
    if (!this.file) return;
    let text = JSON.stringify({ journal: 'flowguard-embedded', kind: this.kind, format: FORMAT }) + '\n';
    for (const [k, v] of this.map) text += JSON.stringify({ k, v }) + '\n';
    await this.file.replace(text);
    this.lines = this.map.size;
    this.compactions++;
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
