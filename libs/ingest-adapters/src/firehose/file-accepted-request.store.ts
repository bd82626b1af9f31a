/**
 * File-backed {@link AcceptedRequestStore} for one ingest process: accepted
 * Firehose request ids survive a restart, so a retry of a request answered 200
 * just before the restart (the 200 was lost) is not ingested again. An
 * append-only JSON-lines file (`{"id","at"}`), replayed at start (ids older than
 * the TTL dropped); rewritten with the live ids when dead lines dominate. A torn
 * last line is skipped (that one request would be ingested again on a retry).
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BoundedAcceptedRequestStore, type AcceptedRequestStore, type BoundedIdStoreOptions } from '@flowguard/ingest-pipeline';

export class FileAcceptedRequestStore implements AcceptedRequestStore {
  private memory: BoundedAcceptedRequestStore | undefined;
  private handle: FileHandle | undefined;
  private lines = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly path: string, private readonly o: BoundedIdStoreOptions & { readonly sync?: boolean } = {}) {
    this.ttlMs = o.ttlMs ?? 130 * 60_000;
    this.now = o.now ?? Date.now;
  }

  async has(id: string): Promise<boolean> {
    return (await this.load()).has(id);
  }

  add(id: string): Promise<void> {
    const next = this.chain.then(async () => {
      const mem = await this.load();
      const line = `${JSON.stringify({ id, at: this.now() })}\n`;
      if (!this.handle) {
        await mkdir(dirname(this.path), { recursive: true });
        this.handle = await open(this.path, 'a');
      }
      await this.handle.appendFile(line, 'utf8');
      if (this.o.sync) await this.handle.datasync();
      this.lines++;
      await mem.add(id);
      if (this.lines > 1000 && this.lines > 2 * mem.size) await this.compact(mem);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  get size(): number {
    return this.memory?.size ?? 0;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle?.close();
    this.handle = undefined;
  }

  private async load(): Promise<BoundedAcceptedRequestStore> {
    if (this.memory) return this.memory;
    const entries: Array<{ id: string; at: number }> = [];
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const cutoff = this.now() - this.ttlMs;
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as { id?: unknown; at?: unknown };
        if (typeof r.id === 'string' && typeof r.at === 'number' && r.at >= cutoff) entries.push({ id: r.id, at: r.at });
      } catch {
        // torn last line of a crashed append
      }
    }
    this.lines = text ? text.split('\n').filter(Boolean).length : 0;
    // each id keeps its own acceptance time: the TTL counts from then, not from the restart
    this.memory = new BoundedAcceptedRequestStore({ ...this.o, now: this.now });
    for (const e of entries) this.memory.addAt(e.id, e.at);
    if (text && !text.endsWith('\n')) await this.appendRaw('\n');
    return this.memory;
  }

  private async appendRaw(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.handle ??= await open(this.path, 'a');
    await this.handle.appendFile(text, 'utf8');
  }

  /** Rewrites the file with the live ids (write aside, fsync, rename). */
  private async compact(mem: BoundedAcceptedRequestStore): Promise<void> {
    const live = mem.entries();
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(live.map(([id, at]) => `${JSON.stringify({ id, at })}\n`).join(''), 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.handle?.close();
    this.handle = undefined;
    await rename(tmp, this.path);
    this.lines = live.length;
  }
}
