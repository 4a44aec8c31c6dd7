/**
 * BSD loopback encapsulations: a 4-byte address family before the IP packet.
 * LINKTYPE_NULL stores it in the capturing host's byte order (unknown to us);
 * LINKTYPE_LOOP in network order. Both are mapped to an EtherType so the
 * network layer is chosen the same way as for Ethernet.
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LinkHeader } from './ethernet.js';
import { layerError, NO_VLANS, type LayerError } from './layer.js';

/** AF_INET is 2 everywhere. */
export const AF_INET = 2;
/** AF_INET6 differs by OS: Linux 10, OpenBSD/NetBSD/BSD/OS 24, FreeBSD/DragonFly 28, Darwin 30. */
export const AF_INET6_VALUES: readonly number[] = [10, 24, 28, 30];

const E_SHORT = layerError('truncated', 'loopback: frame shorter than 4 bytes');

function familyToEtherType(af: number): number {
  if (af === AF_INET) return ETHERTYPE_IPV4;
  if (af === 10 || af === 24 || af === 28 || af === 30) return ETHERTYPE_IPV6;
  // Not IP: keep the family visible (above the 16-bit EtherType range) for the detail.
  return 0x10000 + (af & 0xffff);
}

/** Decodes a LINKTYPE_NULL (0) header: host-order AF, byte order inferred. */
// tcpdump.org/linktypes/LINKTYPE_NULL.html: families are small numbers, so
// a value whose low 16 bits are zero was written by a host of the other byte order.
export function decodeNull(frame: Buffer, offset: number, end: number, out: LinkHeader): LayerError | null {
  if (offset + 4 > end) return E_SHORT;
  let af = frame.readUInt32LE(offset);
  if ((af & 0xffff) === 0) af = af >>> 16 === 0 ? 0 : frame.readUInt32BE(offset);
  fill(out, familyToEtherType(af), offset + 4);
  return null;
}

/** Decodes a LINKTYPE_LOOP (108) header: network-order AF. */
// tcpdump.org/linktypes/LINKTYPE_LOOP.html
export function decodeLoop(frame: Buffer, offset: number, end: number, out: LinkHeader): LayerError | null {
  if (offset + 4 > end) return E_SHORT;
  fill(out, familyToEtherType(frame.readUInt32BE(offset)), offset + 4);
  return null;
}

function fill(out: LinkHeader, etherType: number, payloadOffset: number): void {
  out.dstMacOffset = -1;
  out.srcMacOffset = -1;
  out.vlans = NO_VLANS;
  out.etherType = etherType;
  out.payloadOffset = payloadOffset;
}
