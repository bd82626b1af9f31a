import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The only IO of the embedded store: one append-only text file per
 * repository. Kept as a port so unit specs run on memory and so another
 * medium (a volume, a test double that fails) can be injected.
 */
export interface JournalFile {
  /** whole content, or null when the file does not exist yet */
  read(): Promise<string | null>;
  /** appends text that ends with a newline */
  append(text: string): Promise<void>;
  /** replaces the content atomically (write aside, then rename) */
  replace(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface NodeJournalFileOptions {
  /**
   * fdatasync after each append. Off by default: the embedded mode runs on a
   * laptop where a lost last write on power failure is acceptable and the
   * per-write sync would cost milliseconds.
   */
  readonly sync?: boolean;
}

export class NodeJournalFile implements JournalFile {
  private handle: FileHandle | null = null;

  constructor(
    readonly path: string,
    private readonly options: NodeJournalFileOptions = {},
  ) {}

  async read(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async append(text: string): Promise<void> {
    if (!this.handle) {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    }
    await this.handle.appendFile(text, 'utf8');
    if (this.options.sync) await this.handle.datasync();
  }

  async replace(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const h = await open(tmp, 'w');
    try {
      await h.writeFile(text, 'utf8');
      await h.datasync();
    } finally {
      await h.close();
    }
    await this.close();
    await rename(tmp, this.path);
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.close();
  }
}

/** In-memory journal for specs and for simulating a restart (reopen on the same instance). */
export class MemoryJournalFile implements JournalFile {
  content: string | null = null;
  appends = 0;
  replaces = 0;

  async read(): Promise<string | null> {
    return this.content;
  }

  async append(text: string): Promise<void> {
    this.appends++;
    this.content = (this.content ?? '') + text;
  }

  async replace(text: string): Promise<void> {
    this.replaces++;
    this.content = text;
  }

  async close(): Promise<void> {
    // nothing to release
  }
}
