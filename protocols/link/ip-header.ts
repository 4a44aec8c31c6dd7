/**
 * The network-layer result shared by the IPv4 and IPv6 decoders, so the
 * transport step does not care which version it sits on.
 */
export interface IpHeader {
  version: 4 | 6;
  /** Offsets of the source and destination addresses (4 or 16 bytes). */
  srcOffset: number;
  dstOffset: number;
  /** Upper-layer protocol after any IPv6 extension headers (6 TCP, 17 UDP, ...). */
  protocol: number;
  /** The upper-layer bytes: [payloadOffset, payloadEnd). Link padding is excluded. */
  payloadOffset: number;
  payloadEnd: number;
  /** Part of a fragmented datagram (not reassembled). */
  fragment: boolean;
  /** False for a non-first fragment: its payload has no transport header. */
  hasTransportHeader: boolean;
}

/** A fresh `IpHeader` for callers that decode into a reusable struct. */
export function newIpHeader(): IpHeader {
  return {
    version: 4,
    srcOffset: 0,
    dstOffset: 0,
    protocol: 0,
    payloadOffset: 0,
    payloadEnd: 0,
    fragment: false,
    hasTransportHeader: true,
  };
}
