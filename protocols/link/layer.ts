/**
 * What every layer decoder returns when it cannot read its header: the
 * failure arm of `DecodeResult` itself, so `decodeFrame` can hand it on as
 * is. The instances are module constants so a malformed packet costs no
 * allocation, and a decoder never throws on bad bytes (STYLE habit 5).
 */
import type { DecodeFailure, DecodeResult } from './types.js';

export type LayerError = Extract<DecodeResult, { ok: false }>;

/** Builds a frozen, shareable failure constant. */
export function layerError(reason: DecodeFailure, detail: string): LayerError {
  return Object.freeze({ ok: false as const, reason, detail });
}

/** Shared empty VLAN list for untagged frames; frozen so a consumer that tries to push to it fails loudly. */
export const NO_VLANS: number[] = Object.freeze([]) as unknown as number[];
