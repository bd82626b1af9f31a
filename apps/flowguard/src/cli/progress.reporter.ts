import type { CliIo } from './cli-args';

/**
 * A one-line progress bar on stderr, only when stderr is a terminal (pipes and
 * CI logs stay clean). Redraws at most every 100 ms.
 */
export class ProgressReporter {
  private last = 0;
  private readonly active: boolean;
  private readonly started: number;

  constructor(private readonly io: CliIo, private readonly label: string, private total: number, private readonly unit: string) {
    this.active = io.stderr.isTTY === true;
    this.started = io.now();
  }

  /** Set or correct the total (e.g. bytes once file sizes are known). */
  setTotal(total: number): void {
    this.total = total;
  }

  /** `note` may be a function: it is only called when the line is redrawn (this runs per read chunk). */
  update(done: number, note: string | (() => string) = ''): void {
    if (!this.active) return;
    const now = this.io.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = Math.max(10, Math.min(40, (this.io.stderr.columns ?? 80) - 60));
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const filled = Math.round(frac * width);
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    this.io.stderr.write(
      `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
        `${rate.toLocaleString('en-US')} ${this.unit}/s ${typeof note === 'function' ? note() : note}\x1b[K`,
    );
  }

  done(): void {
    if (this.active) this.io.stderr.write('\r\x1b[K');
  }
}
