/**
 * Hosts per minute: starts are spaced at least 60 000 / rate ms apart, so a
 * burst never happens (a token bucket of depth one). The clock and the sleep
 * are injectable so tests run in virtual time.
 */

export interface Clock {
  now(): number;
  /** Resolves after `ms` (or at once when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export class RateLimiter {
  readonly intervalMs: number;
  private nextAt = -Infinity;

  constructor(
    hostsPerMinute: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(hostsPerMinute > 0) || !Number.isFinite(hostsPerMinute)) throw new RangeError('hosts per minute must be a positive number');
    this.intervalMs = 60_000 / hostsPerMinute;
  }

  /**
   * Wait for the next start slot and take it. Returns false when `signal`
   * aborted the wait (no slot taken).
   */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const now = this.clock.now();
      if (now >= this.nextAt) {
        this.nextAt = now + this.intervalMs;
        return true;
      }
      await this.clock.sleep(this.nextAt - now, signal);
    }
  }
}
