/**
 * Linux "cooked" captures (tcpdump -i any): SLL and SLL2. They carry the
 * sender's link-layer address but no destination address.
 */
import { decodeVlanTags, type LinkHeader } from './ethernet.js';
import { layerError, type LayerError } from './layer.js';

/** ARPHRD_* values whose 6-byte address is a MAC (linux/if_arp.h). */
const ARPHRD_ETHER = 1;
const ARPHRD_IEEE802 = 6;
const ARPHRD_LOOPBACK = 772;

const E_SLL_SHORT = layerError('truncated', 'sll: frame shorter than 16 bytes');
const E_SLL2_SHORT = layerError('truncated', 'sll2: frame shorter than 20 bytes');

function isMacHardware(arphrd: number, addrLen: number): boolean {
  return addrLen === 6 && (arphrd === ARPHRD_ETHER || arphrd === ARPHRD_LOOPBACK || arphrd === ARPHRD_IEEE802);
}

/**
 * Decodes a LINKTYPE_LINUX_SLL (113) header at `offset`.
 * A protocol value below 0x0600 names a non-Ethernet payload (802.2 LLC, CAN,
 * ...) and is passed up as the EtherType: the caller reports not-IP.
 */
// tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html:
// packet type(2) ARPHRD type(2) addr length(2) addr(8) protocol(2)
export function decodeLinuxSll(frame: Buffer, offset: number, end: number, out: LinkHeader): LayerError | null {
  if (offset + 16 > end) return E_SLL_SHORT;
  const arphrd = (frame[offset + 2] << 8) | frame[offset + 3];
  const addrLen = (frame[offset + 4] << 8) | frame[offset + 5];
  out.dstMacOffset = -1;
  out.srcMacOffset = isMacHardware(arphrd, addrLen) ? offset + 6 : -1;
  const protocol = (frame[offset + 14] << 8) | frame[offset + 15];
  return decodeVlanTags(frame, offset + 16, end, protocol, out);
}

/** Decodes a LINKTYPE_LINUX_SLL2 (276) header at `offset`. */
// tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html:
// protocol(2) reserved(2) ifindex(4) ARPHRD type(2) packet type(1) addr length(1) addr(8)
export function decodeLinuxSll2(frame: Buffer, offset: number, end: number, out: LinkHeader): LayerError | null {
  if (offset + 20 > end) return E_SLL2_SHORT;
  const protocol = (frame[offset] << 8) | frame[offset + 1];
  const arphrd = (frame[offset + 8] << 8) | frame[offset + 9];
  const addrLen = frame[offset + 11];
  out.dstMacOffset = -1;
  out.srcMacOffset = isMacHardware(arphrd, addrLen) ? offset + 12 : -1;
  return decodeVlanTags(frame, offset + 20, end, protocol, out);
}
