/** UDP header decoder. */
import { layerError, type LayerError } from './layer.js';

/** The UDP fields, filled in place. */
export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  /** The datagram's data: [payloadOffset, payloadEnd). */
  payloadOffset: number;
  payloadEnd: number;
}

/** A fresh `UdpDatagram` for callers that decode into a reusable struct. */
export function newUdpDatagram(): UdpDatagram {
  return { srcPort: 0, dstPort: 0, payloadOffset: 0, payloadEnd: 0 };
}

const E_SHORT = layerError('truncated', 'udp: shorter than 8 bytes');
const E_LENGTH = layerError('malformed', 'udp: length field below 8');
const E_LENGTH_SHORT = layerError('truncated', 'udp: length exceeds the IP payload');

/**
 * Decodes a UDP header at `offset`; `end` is the end of the IP payload.
 * The payload is cut at the UDP length; a length of 0 (IPv6 jumbogram,
 * RFC 2675 §4) means "to the end of the IP payload".
 */
// RFC 768: source port(2) destination port(2) length(2) checksum(2)
export function decodeUdp(dgram: Buffer, offset: number, end: number, out: UdpDatagram): LayerError | null {
  if (offset + 8 > end) return E_SHORT;
  const length = (dgram[offset + 4] << 8) | dgram[offset + 5];
  let payloadEnd = end;
  if (length !== 0) {
    if (length < 8) return E_LENGTH;
    payloadEnd = offset + length;
    if (payloadEnd > end) return E_LENGTH_SHORT;
  }
  out.srcPort = (dgram[offset] << 8) | dgram[offset + 1];
  out.dstPort = (dgram[offset + 2] << 8) | dgram[offset + 3];
  out.payloadOffset = offset + 8;
  out.payloadEnd = payloadEnd;
  return null;
}
