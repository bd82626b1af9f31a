/**
 * File-backed {@link CheckpointStore} for one machine (laptop, single ECS task
 * with a volume): one JSON document, replaced atomically (write temp, fsync,
 * rename) so a crash leaves either the old or the new state, never a torn file.
 * Writes are serialised; the whole document is small (one entry per shard).
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CheckpointStore } from '@flowguard/ingest-pipeline';

type Doc = Record<string, Record<string, string>>;

export class FileCheckpointStore implements CheckpointStore {
  private doc: Doc | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async get(stream: string, shardId: string): Promise<string | undefined> {
    const doc = await this.load();
    return doc[stream]?.[shardId];
  }

  put(stream: string, shardId: string, sequenceNumber: string): Promise<void> {
    const next = this.chain.then(async () => {
      const doc = await this.load();
      (doc[stream] ??= {})[shardId] = sequenceNumber;
      await this.persist(doc);
    });
    // a failed write must not poison later ones; the caller sees its own failure
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async load(): Promise<Doc> {
    if (this.doc) return this.doc;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      this.doc = parsed as Doc;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        // refuse to start from scratch silently: that would re-read whole streams
        throw new Error(`checkpoint file ${this.path} is unreadable: ${(e as Error).message}`);
      }
      this.doc = {};
    }
    return this.doc;
  }

  private async persist(doc: Doc): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(doc));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }
}
