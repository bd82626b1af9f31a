/**
 * File-backed {@link ProcessedObjectLedger}: an append-only JSON-lines file,
 * fsynced per object (objects are megabytes, so the cost is negligible), read
 * back whole at start. A torn last line (crash mid-append) is ignored: that
 * object is simply processed again (at-least-once).
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProcessedObjectLedger } from '@flowguard/ingest-pipeline';

const id = (bucket: string, key: string, eTag: string) => `${bucket}\n${key}\n${eTag}`;

export class FileObjectLedger implements ProcessedObjectLedger {
  private done: Set<string> | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async has(bucket: string, key: string, eTag: string): Promise<boolean> {
    return (await this.load()).has(id(bucket, key, eTag));
  }

  markDone(bucket: string, key: string, eTag: string): Promise<void> {
    const next = this.chain.then(async () => {
      const done = await this.load();
      if (done.has(id(bucket, key, eTag))) return;
      await mkdir(dirname(this.path), { recursive: true });
      const fh = await open(this.path, 'a');
      try {
        await fh.write(`${JSON.stringify({ b: bucket, k: key, e: eTag, at: Date.now() })}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      done.add(id(bucket, key, eTag));
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  get size(): number {
    return this.done?.size ?? 0;
  }

  private async load(): Promise<Set<string>> {
    if (this.done) return this.done;
    const done = new Set<string>();
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const r = JSON.parse(line) as { b: string; k: string; e: string };
        done.add(id(r.b, r.k, r.e));
      } catch {
        // torn final line of a crashed append: that object gets processed again
      }
    }
    this.done = done;
    return done;
  }
}
