/**
 * 32-bit TCP sequence arithmetic.
 *
 * RFC 9293 §3.4: sequence numbers live in a 2^32 space and wrap; comparisons
 * are made modulo 2^32. RFC 1982 §3.2 (serial number arithmetic) defines
 * "less than" as "the signed distance is negative", which only has meaning
 * for numbers less than 2^31 apart. Everything here follows that rule.
 */

/** Signed distance `a - b` in the 32-bit sequence space, in [-2^31, 2^31). */
export function seqDiff(a: number, b: number): number {
  // ToInt32 of the plain difference is exactly the modular signed distance.
  return (a - b) | 0;
}

/** `seq + n` wrapped to an unsigned 32-bit sequence number. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/**
 * The largest distance ahead of the next expected byte that we accept.
 * RFC 7323 §2.3 caps the window scale shift at 14, so no sender may have more
 * than 2^30 bytes in flight: anything further ahead is corruption or another
 * connection reusing the ports, not data we can place.
 */
export const MAX_SEQ_AHEAD = 2 ** 30;
