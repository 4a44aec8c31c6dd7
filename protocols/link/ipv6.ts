/** IPv6 header and extension-header walker, and RFC 5952 address text. */
import type { IpHeader } from './ip-header.js';
import { layerError, type LayerError } from './layer.js';

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;

/** Chains longer than this are malformed (RFC 8200 §4.1 expects a handful at most). */
export const MAX_EXTENSION_HEADERS = 8;

function isExtensionHeader(next: number): boolean {
  return (
    next === IPPROTO_HOPOPTS ||
    next === IPPROTO_ROUTING ||
    next === IPPROTO_DSTOPTS ||
    next === IPPROTO_FRAGMENT ||
    next === IPPROTO_AH
  );
}

const E_SHORT = layerError('truncated', 'ipv6: shorter than 40 bytes');
const E_VERSION = layerError('malformed', 'ipv6: version field is not 6');
const E_PAYLOAD_SHORT = layerError('truncated', 'ipv6: payload length exceeds captured bytes');
const E_EXT_SHORT = layerError('truncated', 'ipv6: extension header cut short');
const E_EXT_TOO_MANY = layerError('malformed', `ipv6: more than ${MAX_EXTENSION_HEADERS} extension headers`);

/**
 * Decodes an IPv6 header at `offset` and walks the hop-by-hop, routing,
 * fragment, destination-options and AH headers to the upper-layer protocol.
 * A payload length of 0 (jumbogram or GSO) is taken as "as captured".
 */
// RFC 8200 §3: version/class/flow(4) payload length(2) next header(1) hop limit(1)
// source(16) destination(16)
export function decodeIpv6(frame: Buffer, offset: number, end: number, out: IpHeader): LayerError | null {
  if (offset + 40 > end) return E_SHORT;
  if (frame[offset] >> 4 !== 6) return E_VERSION;
  const payloadLen = (frame[offset + 4] << 8) | frame[offset + 5];
  let payloadEnd = end;
  if (payloadLen !== 0) {
    payloadEnd = offset + 40 + payloadLen;
    if (payloadEnd > end) return E_PAYLOAD_SHORT;
  }
  let next = frame[offset + 6];
  let pos = offset + 40;
  let fragment = false;
  let hasTransportHeader = true;
  for (let count = 0; ; count++) {
    if (count === MAX_EXTENSION_HEADERS && isExtensionHeader(next)) return E_EXT_TOO_MANY;
    if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) {
      // RFC 8200 §4.3-4.6: next header(1) length in 8-octet units not counting the first(1)
      if (pos + 2 > payloadEnd) return E_EXT_SHORT;
      const len = (frame[pos + 1] + 1) * 8;
      if (pos + len > payloadEnd) return E_EXT_SHORT;
      next = frame[pos];
      pos += len;
    } else if (next === IPPROTO_FRAGMENT) {
      // RFC 8200 §4.5: next header(1) reserved(1) offset(13 bits)/res(2)/M(1) identification(4)
      if (pos + 8 > payloadEnd) return E_EXT_SHORT;
      const offFlags = (frame[pos + 2] << 8) | frame[pos + 3];
      fragment = true;
      if (offFlags >> 3 !== 0) hasTransportHeader = false;
      next = frame[pos];
      pos += 8;
      // A later fragment's bytes are the middle of the upper-layer data: nothing more to walk.
      if (!hasTransportHeader) break;
    } else if (next === IPPROTO_AH) {
      // RFC 4302 §2.2: payload length in 4-octet units minus 2
      if (pos + 2 > payloadEnd) return E_EXT_SHORT;
      const len = (frame[pos + 1] + 2) * 4;
      if (pos + len > payloadEnd) return E_EXT_SHORT;
      next = frame[pos];
      pos += len;
    } else {
      break;
    }
  }
  out.version = 6;
  out.srcOffset = offset + 8;
  out.dstOffset = offset + 24;
  out.protocol = next;
  out.payloadOffset = pos;
  out.payloadEnd = payloadEnd;
  out.fragment = fragment;
  out.hasTransportHeader = hasTransportHeader;
  return null;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));

/**
 * RFC 5952 text for 16 bytes at `offset` (caller checks bounds): lower-case
 * hex without leading zeros, the longest run of two or more zero groups
 * (the first on a tie) as "::", and IPv4-mapped addresses as ::ffff:a.b.c.d
 * (§5).
 */
// RFC 5952 §4.2, §4.3, §5
export function formatIpv6(buf: Uint8Array, offset: number): string {
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const zero = buf[offset + 2 * i] === 0 && buf[offset + 2 * i + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = i;
      const runLen = i - runStart + 1;
      if (runLen > bestLen) {
        bestLen = runLen;
        bestStart = runStart;
      }
    } else runStart = -1;
  }
  // ::ffff:0:0/96, written with its IPv4 tail as dotted decimal.
  if (bestStart === 0 && bestLen === 5 && buf[offset + 10] === 0xff && buf[offset + 11] === 0xff) {
    return (
      '::ffff:' + buf[offset + 12] + '.' + buf[offset + 13] + '.' + buf[offset + 14] + '.' + buf[offset + 15]
    );
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLen - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    const hi = buf[offset + 2 * i];
    const lo = buf[offset + 2 * i + 1];
    text += hi === 0 ? HEX[lo] : HEX[hi] + (lo < 16 ? '0' : '') + HEX[lo];
  }
  return text;
}
