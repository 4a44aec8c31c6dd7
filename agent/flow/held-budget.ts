import type { FlowStats } from './flow-stats.js';

/** Anything that holds out-of-order bytes and can be made to give them up. */
export interface HeldHolder {
  readonly heldBytes: number;
  /** Give up every hole: deliver gaps and all held data now. */
  releaseHeld(ts: number): void;
}

/**
 * The global cap on out-of-order bytes held across all flows.
 *
 * Holders reserve before they copy (STYLE habit 4: the cap is checked before
 * buffering), so `stats.bytesHeld` never exceeds `maxTotal`. When a reservation
 * does not fit, the largest holder is forced to give up its holes. Only flows
 * currently holding bytes are in `holders`, which on a healthy network is a
 * handful, so the scan for the largest is cheap and rare.
 */
export class HeldBudget {
  private readonly holders = new Set<HeldHolder>();

  constructor(
    readonly maxTotal: number,
    private readonly stats: FlowStats,
  ) {}

  /**
   * Make room for `n` more bytes for `requester`. Returns false when the
   * requester itself is the largest holder (or nothing else can give way):
   * the requester must then give up its own first hole and try again.
   */
  reserve(requester: HeldHolder, n: number, ts: number): boolean {
    const stats = this.stats;
    while (stats.bytesHeld + n > this.maxTotal) {
      let largest: HeldHolder | null = null;
      for (const h of this.holders) {
        if (largest === null || h.heldBytes > largest.heldBytes) largest = h;
      }
      stats.capHits.totalBytes++;
      if (largest === null || largest === requester || largest.heldBytes <= requester.heldBytes) return false;
      largest.releaseHeld(ts);
    }
    return true;
  }

  /** Record `n` bytes now held by `holder` (after a successful `reserve`). */
  add(holder: HeldHolder, n: number): void {
    const stats = this.stats;
    stats.bytesHeld += n;
    if (stats.bytesHeld > stats.bytesHeldPeak) stats.bytesHeldPeak = stats.bytesHeld;
    this.holders.add(holder);
  }

  /** Record `n` bytes no longer held by `holder`. */
  remove(holder: HeldHolder, n: number): void {
    this.stats.bytesHeld -= n;
    if (holder.heldBytes === 0) this.holders.delete(holder);
  }
}
