import { statSync } from 'node:fs';

/**
 * Size and mtime of a watched config file (or why it cannot be read): services that re-read a
 * file on change (detect's DETECT_CONFIG_FILE, the api's rules file) compare this between polls.
 */
export function fileFingerprint(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? ''}`;
  }
}
