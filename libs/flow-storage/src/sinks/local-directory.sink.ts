/**
 * Parquet files in a local directory. A file is written under a dot-prefixed
 * temporary name in its partition directory, fsynced, then renamed to its key
 * (and the directory fsynced), so a reader or a crash never sees half a file:
 * Athena, DuckDB and our reader all skip dot-files.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DeleteResult, FlowObjectSink, ObjectReader, SinkFile, StoredObject } from './object-sink.port';

export class LocalDirectorySink implements FlowObjectSink {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  async create(key: string): Promise<SinkFile> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.inprogress`);
    const fh = await open(temp, 'wx');
    return new LocalSinkFile(key, fh, temp, target);
  }

  async list(prefix = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    await this.walk('', prefix, out);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async open(key: string): Promise<ObjectReader> {
    const fh = await open(this.pathOf(key), 'r');
    const { size } = await fh.stat();
    return {
      key,
      size,
      read: async (start, end) => {
        const len = Math.max(0, Math.min(end, size) - start);
        const buf = Buffer.alloc(len);
        let done = 0;
        while (done < len) {
          const { bytesRead } = await fh.read(buf, done, len - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + done) as ArrayBuffer;
      },
      close: () => fh.close(),
    };
  }

  async deleteDatesBefore(cutoffDate: string): Promise<DeleteResult> {
    const result: DeleteResult = { partitions: 0, objects: 0 };
    for (const account of await dirs(this.root, 'account=')) {
      for (const region of await dirs(join(this.root, account), 'region=')) {
        for (const date of await dirs(join(this.root, account, region), 'date=')) {
          if (date.slice('date='.length) >= cutoffDate) continue;
          const dateDir = join(this.root, account, region, date);
          // only committed files: a writer may still hold an in-progress file for late data
          const removed = await removeCommitted(dateDir);
          result.objects += removed;
          if (removed > 0) result.partitions++;
        }
      }
    }
    return result;
  }

  private pathOf(key: string): string {
    if (key.split('/').some((s) => s === '..' || s === '.' || s === '') || key.startsWith('/')) {
      throw new Error(`invalid object key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }

  private async walk(rel: string, prefix: string, out: StoredObject[]): Promise<void> {
    const dir = rel ? join(this.root, ...rel.split('/')) : this.root;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        const asDir = `${key}/`;
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) await this.walk(key, prefix, out);
      } else if (e.isFile() && e.name.endsWith('.parquet') && key.startsWith(prefix)) {
        const s = await stat(join(dir, e.name));
        out.push({ key, size: s.size });
      }
    }
  }
}

class LocalSinkFile implements SinkFile {
  private closed = false;

  constructor(
    readonly key: string,
    private readonly fh: FileHandle,
    private readonly temp: string,
    private readonly target: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, done, chunk.length - done);
      done += bytesWritten;
    }
  }

  async commit(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    this.closed = true;
    await rename(this.temp, this.target);
    await fsyncDir(dirname(this.target));
  }

  async abort(): Promise<void> {
    try {
      if (!this.closed) await this.fh.close();
    } catch {
      /* already closed */
    }
    this.closed = true;
    await unlink(this.temp).catch(() => undefined);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // makes the rename itself durable; some platforms cannot open a directory, which is fine
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    /* not supported here */
  } finally {
    await fh.close();
  }
}

async function dirs(parent: string, prefix: string): Promise<string[]> {
  try {
    const entries = await readdir(parent, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && e.name.startsWith(prefix)).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Remove committed .parquet files under `dir`, then the directories left empty. */
async function removeCommitted(dir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removed += await removeCommitted(p);
    else if (e.isFile() && !e.name.startsWith('.') && e.name.endsWith('.parquet')) {
      await unlink(p);
      removed++;
    }
  }
  await rmdir(dir).catch(() => undefined); // fails while an in-progress file remains: kept
  return removed;
}
