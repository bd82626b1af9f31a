import { statSync } from 'node:fs';

/** Size and mtime of a watched file, or why it cannot be read: compared between polls. */
function fileFingerprint(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? ''}`;
  }
}

export type WatchedFileCheck<T> = { outcome: 'unchanged' } | { outcome: 'changed'; value: T } | { outcome: 'invalid'; error: string };

/**
 * A config file read again when its size or mtime changes (detect's DETECT_CONFIG_FILE, the
 * api's rules file): `check()` reads it once per change
 * (`read` validates and may throw: the error comes back as `invalid`, and the same bad file is
 * not read again until it changes); `every(ms, onCheck)` polls on an unref'd timer.
 */
export class WatchedFile<T> {
  private seen: string;
  private timer?: NodeJS.Timeout;

  /** `seenNow`: the file as it is now was already read by the caller (the first change is the next one). */
  constructor(
    readonly file: string,
    private readonly read: (file: string) => T,
    seenNow = false,
  ) {
    this.seen = seenNow ? fileFingerprint(file) : '';
  }

  check(): WatchedFileCheck<T> {
    const print = fileFingerprint(this.file);
    if (print === this.seen) return { outcome: 'unchanged' };
    this.seen = print;
    try {
      return { outcome: 'changed', value: this.read(this.file) };
    } catch (e) {
      return { outcome: 'invalid', error: e instanceof Error ? e.message : String(e) };
    }
  }

  every(ms: number, onCheck: () => void): void {
    this.stop();
    this.timer = setInterval(onCheck, ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
