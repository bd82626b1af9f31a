/** Time, behind a port so the retry/backoff logic is unit-testable without real waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A manual clock for tests: `sleep` resolves only when `advance` moves time past it.
 * `sleeps` records every requested delay so a test can assert the backoff schedule.
 */
export class ManualClock implements Clock {
  private t: number;
  private timers: Array<{ at: number; resolve: () => void }> = [];
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ at: this.t + ms, resolve });
    });
  }

  /** Move time forward and wake every sleeper whose deadline passed. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.resolve();
  }

  get pending(): number {
    return this.timers.length;
  }
}
