/** IPv4 header decoder and a cheap dotted-quad formatter. */
import type { IpHeader } from './ip-header.js';
import { layerError, type LayerError } from './layer.js';

const E_SHORT = layerError('truncated', 'ipv4: shorter than 20 bytes');
const E_VERSION = layerError('malformed', 'ipv4: version field is not 4');
const E_IHL = layerError('malformed', 'ipv4: IHL below 5');
const E_OPTIONS_SHORT = layerError('truncated', 'ipv4: options cut short');
const E_TOTAL_LENGTH = layerError('malformed', 'ipv4: total length smaller than the header');
const E_TOTAL_SHORT = layerError('truncated', 'ipv4: total length exceeds captured bytes');

/**
 * Decodes an IPv4 header at `offset`; `end` is the end of captured bytes.
 * The payload ends at the header's total length, which trims Ethernet
 * padding. A total length of 0 is taken as "as captured": Linux hands
 * TSO/GSO super-packets to the capture with that value.
 * The header checksum is not checked: offloading makes outbound ones wrong.
 */
// RFC 791 §3.1: version/IHL(1) TOS(1) total length(2) id(2) flags/fragment offset(2)
// TTL(1) protocol(1) checksum(2) source(4) destination(4) options(IHL*4-20)
export function decodeIpv4(frame: Buffer, offset: number, end: number, out: IpHeader): LayerError | null {
  if (offset + 20 > end) return E_SHORT;
  const b0 = frame[offset];
  if (b0 >> 4 !== 4) return E_VERSION;
  const headerLen = (b0 & 0x0f) * 4;
  if (headerLen < 20) return E_IHL;
  if (offset + headerLen > end) return E_OPTIONS_SHORT;
  const totalLen = (frame[offset + 2] << 8) | frame[offset + 3];
  let payloadEnd: number;
  if (totalLen === 0) payloadEnd = end;
  else {
    if (totalLen < headerLen) return E_TOTAL_LENGTH;
    payloadEnd = offset + totalLen;
    if (payloadEnd > end) return E_TOTAL_SHORT;
  }
  // RFC 791 §3.1 flags: bit 2 MF; fragment offset in 8-byte units (13 bits).
  const flagsFrag = (frame[offset + 6] << 8) | frame[offset + 7];
  const moreFragments = (flagsFrag & 0x2000) !== 0;
  const fragOffset = flagsFrag & 0x1fff;
  out.version = 4;
  out.protocol = frame[offset + 9];
  out.srcOffset = offset + 12;
  out.dstOffset = offset + 16;
  out.payloadOffset = offset + headerLen;
  out.payloadEnd = payloadEnd;
  out.fragment = moreFragments || fragOffset !== 0;
  out.hasTransportHeader = fragOffset === 0;
  return null;
}

const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** Dotted quad from 4 bytes at `offset` (caller checks bounds). */
export function formatIpv4(buf: Uint8Array, offset: number): string {
  return DEC[buf[offset]] + '.' + DEC[buf[offset + 1]] + '.' + DEC[buf[offset + 2]] + '.' + DEC[buf[offset + 3]];
}
