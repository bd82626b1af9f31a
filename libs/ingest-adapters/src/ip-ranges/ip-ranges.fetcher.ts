/**
 * Loads AWS ip-ranges.json for the noise filter: from a configured URL
 * (default the AWS publication) or a local file, validated before use. On any
 * failure it falls back to the last good copy, then to the bundled snapshot,
 * and says which one it returned so the service can log and expose it.
 */
import { readFile } from 'node:fs/promises';
import { bundledAwsIpRanges, parseAwsIpRanges, type AwsIpRanges } from '@flowguard/ingest-pipeline';

export const AWS_IP_RANGES_URL = 'https://ip-ranges.amazonaws.com/ip-ranges.json';

export interface IpRangesLoad {
  readonly ranges: AwsIpRanges;
  readonly origin: 'url' | 'file' | 'previous' | 'bundled';
  /** why the preferred source was not used */
  readonly error?: string;
}

export interface IpRangesSourceOptions {
  /** http(s) URL or file path; default {@link AWS_IP_RANGES_URL} */
  readonly location?: string;
  readonly timeoutMs?: number;
  /** injectable for tests; default global fetch */
  readonly fetchFn?: typeof fetch;
}

export class IpRangesSource {
  private last: AwsIpRanges | undefined;

  constructor(private readonly o: IpRangesSourceOptions = {}) {}

  async load(): Promise<IpRangesLoad> {
    const location = this.o.location ?? AWS_IP_RANGES_URL;
    const isUrl = /^https?:\/\//i.test(location);
    try {
      const text = isUrl ? await this.fetchText(location) : await readFile(location, 'utf8');
      const ranges = parseAwsIpRanges(text);
      // a refreshed file must not be older than what we already use
      if (this.last && Number(ranges.syncToken) < Number(this.last.syncToken)) {
        return { ranges: this.last, origin: 'previous', error: `syncToken ${ranges.syncToken} is older than the loaded ${this.last.syncToken}` };
      }
      this.last = ranges;
      return { ranges, origin: isUrl ? 'url' : 'file' };
    } catch (e) {
      const error = `${location}: ${(e as Error).message}`;
      if (this.last) return { ranges: this.last, origin: 'previous', error };
      return { ranges: bundledAwsIpRanges(), origin: 'bundled', error };
    }
  }

  private async fetchText(url: string): Promise<string> {
    const f = this.o.fetchFn ?? fetch;
    const res = await f(url, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  }
}
