/**
 * Reconnect delays: exponential backoff with full jitter (AWS Architecture
 * Blog, "Exponential Backoff And Jitter", 2015): delay = random(0, min(cap,
 * base × 2^attempt)). Full jitter spreads a fleet of agents that lost the
 * collector at the same moment, so they do not all come back at once.
 */
export interface BackoffOptions {
  /** First ceiling, ms. Default 500. */
  baseMs?: number;
  /** Largest ceiling, ms. Default 30 000. */
  capMs?: number;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 500;
    this.capMs = opts.capMs ?? 30_000;
    this.random = opts.random ?? Math.random;
  }

  /** Ceiling of the next delay (before jitter). */
  get ceilingMs(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.attempt, 30));
  }

  /** The next delay, ms; each call raises the ceiling until the cap. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.attempt++;
    return delay;
  }

  /** After a stable connection: start again from the base. */
  reset(): void {
    this.attempt = 0;
  }
}
