/**
 * Runs a retention sweep on an interval (unref'd: never keeps the process
 * alive), one at a time, counting runs, deletions and failures. A failed sweep
 * is reported and retried at the next tick; it never throws into the timer.
 */
export interface SweepResult {
  /** units removed: daily indices, or `date=` partitions */
  partitions: number;
  /** files or indices removed */
  objects: number;
}

export interface RetentionMetrics {
  runs: number;
  failures: number;
  partitionsDeleted: number;
  objectsDeleted: number;
  lastRunAt: number;
  lastError?: string;
}

export class RetentionTimer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;
  private readonly m: RetentionMetrics = { runs: 0, failures: 0, partitionsDeleted: 0, objectsDeleted: 0, lastRunAt: 0 };

  constructor(
    private readonly sweep: () => Promise<SweepResult>,
    private readonly options: { intervalMs: number; onError?: (e: Error) => void; now?: () => number },
  ) {
    if (!(options.intervalMs > 0)) throw new Error(`RetentionTimer: intervalMs must be positive, got ${options.intervalMs}`);
  }

  /** Run once now (if not already running) and then every intervalMs. */
  start(): void {
    if (this.timer) return;
    void this.runOnce().catch(() => undefined);
    this.timer = setInterval(() => void this.runOnce().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One sweep; concurrent calls share the sweep in progress. */
  runOnce(): Promise<SweepResult> {
    this.running ??= this.sweep()
      .then((r) => {
        this.m.partitionsDeleted += r.partitions;
        this.m.objectsDeleted += r.objects;
        return r;
      })
      .catch((e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        this.m.failures++;
        this.m.lastError = err.message;
        this.options.onError?.(err);
        throw err;
      })
      .finally(() => {
        this.m.runs++;
        this.m.lastRunAt = (this.options.now ?? Date.now)();
        this.running = undefined;
      });
    return this.running;
  }

  metrics(): RetentionMetrics {
    return { ...this.m };
  }
}
