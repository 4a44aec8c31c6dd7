/**
 * Ethernet II with any stack of 802.1Q / 802.1ad VLAN tags, zero-copy: the
 * decoder reports offsets into the caller's buffer and never copies.
 */
import { layerError, NO_VLANS, type LayerError } from './layer.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // IEEE 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // IEEE 802.1ad S-tag
export const ETHERTYPE_QINQ_LEGACY = 0x9100; // pre-standard QinQ S-tag (also 0x9200, 0x9300)
export const ETHERTYPE_IPV6 = 0x86dd;

/** Frames with more tags than this are treated as malformed rather than walked forever. */
export const MAX_VLAN_TAGS = 8;

/** What the link layer said about the frame; filled in place by the decoders. */
export interface LinkHeader {
  /** Offset of the 6-byte destination MAC, or -1 when the link layer has none. */
  dstMacOffset: number;
  /** Offset of the 6-byte source MAC, or -1 when the link layer has none. */
  srcMacOffset: number;
  /** EtherType of the payload once every VLAN tag has been peeled. */
  etherType: number;
  /** Offset of the first byte after the link header and its tags. */
  payloadOffset: number;
  /** VLAN ids, outermost first; the shared frozen `NO_VLANS` when untagged. */
  vlans: number[];
}

/** A fresh `LinkHeader` for callers that decode into a reusable struct. */
export function newLinkHeader(): LinkHeader {
  return { dstMacOffset: -1, srcMacOffset: -1, etherType: 0, payloadOffset: 0, vlans: NO_VLANS };
}

const E_SHORT = layerError('truncated', 'ethernet: frame shorter than 14 bytes');
const E_TAG_SHORT = layerError('truncated', 'vlan: tag cut short');
const E_TOO_MANY_TAGS = layerError('malformed', `vlan: more than ${MAX_VLAN_TAGS} tags`);

function isTagType(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_LEGACY || t === 0x9200 || t === 0x9300;
}

/**
 * Peels VLAN tags starting at `offset`, where `etherType` is the type field
 * that precedes them. Shared by Ethernet and Linux cooked captures (libpcap
 * re-inserts the tag the kernel stripped into cooked frames too).
 */
// IEEE 802.1Q-2018 §9.6: a tag is TPID (already read as etherType) + 16-bit TCI
// whose low 12 bits are the VID, followed by the next EtherType.
export function decodeVlanTags(
  frame: Buffer,
  offset: number,
  end: number,
  etherType: number,
  out: LinkHeader,
): LayerError | null {
  out.vlans = NO_VLANS;
  let depth = 0;
  while (isTagType(etherType)) {
    if (depth === MAX_VLAN_TAGS) return E_TOO_MANY_TAGS;
    if (offset + 4 > end) return E_TAG_SHORT;
    const vid = ((frame[offset] << 8) | frame[offset + 1]) & 0x0fff;
    if (depth === 0) out.vlans = [vid];
    else out.vlans.push(vid);
    etherType = (frame[offset + 2] << 8) | frame[offset + 3];
    offset += 4;
    depth++;
  }
  out.etherType = etherType;
  out.payloadOffset = offset;
  return null;
}

/**
 * Decodes an Ethernet II header at `offset` (normally 0).
 * An EtherType below 0x0600 is an 802.3 length (LLC/SNAP), reported as-is:
 * the caller treats it as not-IP.
 */
// IEEE 802.3 §3.1.1: destination(6) source(6) type/length(2)
export function decodeEthernet(frame: Buffer, offset: number, end: number, out: LinkHeader): LayerError | null {
  if (offset + 14 > end) return E_SHORT;
  out.dstMacOffset = offset;
  out.srcMacOffset = offset + 6;
  const type = (frame[offset + 12] << 8) | frame[offset + 13];
  return decodeVlanTags(frame, offset + 14, end, type, out);
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** "aa:bb:cc:dd:ee:ff", lower case, from 6 bytes at `offset` (caller checks bounds). */
export function formatMac(buf: Uint8Array, offset: number): string {
  return (
    HEX2[buf[offset]] + ':' + HEX2[buf[offset + 1]] + ':' + HEX2[buf[offset + 2]] + ':' +
    HEX2[buf[offset + 3]] + ':' + HEX2[buf[offset + 4]] + ':' + HEX2[buf[offset + 5]]
  );
}
