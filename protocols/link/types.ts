/**
 * Output of the link/network/transport decoders. Zero-copy: `payload` is a
 * subarray view of the frame buffer passed in.
 */

/** libpcap DLT/LINKTYPE numbers (tcpdump.org/linktypes.html). */
export const LINKTYPE_NULL = 0; // BSD loopback, host-order 4-byte AF
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4/IPv6
export const LINKTYPE_LOOP = 108; // OpenBSD loopback, network-order AF
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface DecodedPacket {
  /** Capture timestamp, seconds since the epoch (fractional). */
  ts: number;
  srcMac: string | null; // "aa:bb:cc:dd:ee:ff" lower case
  dstMac: string | null;
  /** 802.1Q / 802.1ad VLAN ids, outermost first. */
  vlans: number[];
  ipVersion: 4 | 6;
  srcIp: string; // dotted quad or RFC 5952 text
  dstIp: string;
  /** IP protocol number of the transport header that was decoded (6 TCP, 17 UDP) or other. */
  ipProto: number;
  srcPort: number; // 0 for non-TCP/UDP
  dstPort: number;
  /** Present when ipProto is 6. */
  tcp: TcpHeader | null;
  /** Transport payload (view into the frame). Empty for non TCP/UDP. */
  payload: Buffer;
  /**
   * Set by `decodeFrameInto` for a TCP segment with data, instead of making
   * `payload` (then empty): the payload is
   * `payloadSource[payloadStart, payloadStart + payloadLength)`, and a
   * consumer that passes over the bytes (bypass) never needs a view. Null or
   * absent otherwise.
   */
  payloadSource?: Buffer | null;
  payloadStart?: number;
  payloadLength?: number;
  /** IP fragment that is not the first fragment / or a fragmented datagram (not reassembled). */
  fragment: boolean;
}

export interface TcpHeader {
  seq: number; // uint32
  ack: number; // uint32
  flags: number; // TCP_FIN | TCP_SYN | ...
  window: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** Why a frame could not be decoded; counted, never fatal. */
export type DecodeFailure =
  | 'truncated' // shorter than a header claims
  | 'malformed' // a field holds an impossible value
  | 'unsupported-link' // link type we do not decode
  | 'not-ip'; // ARP, LLDP, etc.: not an error, just not for us

export type DecodeResult = { ok: true; packet: DecodedPacket } | { ok: false; reason: DecodeFailure; detail: string };
