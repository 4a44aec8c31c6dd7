/**
 * One entry point from a captured frame to a `DecodedPacket`: link layer,
 * VLAN tags, IPv4/IPv6 (with extension headers), TCP/UDP. Zero-copy: the
 * packet's `payload` is a view of `frame`. Never throws on bad bytes; a
 * frame it cannot use comes back as a counted `DecodeFailure`.
 */
import {
  decodeEthernet,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  newLinkHeader,
  type LinkHeader,
} from './ethernet.js';
import { cachedIpv4, cachedMac } from './address-cache.js';
import { newIpHeader, type IpHeader } from './ip-header.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, formatIpv6 } from './ipv6.js';
import { layerError, NO_VLANS, type LayerError } from './layer.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './linux-sll.js';
import { decodeLoop, decodeNull } from './null-loop.js';
import { decodeTcp, newTcpSegment, type TcpSegment } from './tcp.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  type DecodedPacket,
  type DecodeResult,
  type TcpHeader,
} from './types.js';
import { decodeUdp, newUdpDatagram, type UdpDatagram } from './udp.js';

export { formatMac } from './ethernet.js';
export { formatIpv4 } from './ipv4.js';
export { formatIpv6 } from './ipv6.js';

const SUPPORTED = new Set([
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
]);

/** True when `decodeFrame` understands this LINKTYPE_ value. */
export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

const E_UNSUPPORTED = layerError('unsupported-link', 'link type not decoded by auscult');
const E_NOT_IP = layerError('not-ip', 'link payload is not IPv4 or IPv6');
const E_RAW_EMPTY = layerError('truncated', 'raw ip: empty frame');
const E_RAW_VERSION = layerError('malformed', 'raw ip: version nibble is neither 4 nor 6');

// Scratch structs: decodeFrame is synchronous and never re-entered, so one
// set per module keeps the per-packet allocations to the result itself.
const link: LinkHeader = newLinkHeader();
const ip: IpHeader = newIpHeader();
const tcp: TcpSegment = newTcpSegment();
const udp: UdpDatagram = newUdpDatagram();
const EMPTY: Buffer = Buffer.alloc(0);

function decodeLink(linkType: number, frame: Buffer, start: number, end: number): LayerError | null {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(frame, start, end, link);
    case LINKTYPE_LINUX_SLL:
      return decodeLinuxSll(frame, start, end, link);
    case LINKTYPE_LINUX_SLL2:
      return decodeLinuxSll2(frame, start, end, link);
    case LINKTYPE_NULL:
      return decodeNull(frame, start, end, link);
    case LINKTYPE_LOOP:
      return decodeLoop(frame, start, end, link);
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6: {
      // tcpdump.org/linktypes/LINKTYPE_RAW.html: the version nibble says which IP.
      if (end - start < 1) return E_RAW_EMPTY;
      const v = frame[start] >> 4;
      if (v !== 4 && v !== 6) return E_RAW_VERSION;
      link.dstMacOffset = -1;
      link.srcMacOffset = -1;
      link.vlans = NO_VLANS;
      link.etherType = v === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
      link.payloadOffset = start;
      return null;
    }
    default:
      return E_UNSUPPORTED;
  }
}

/**
 * Decodes one captured frame of the given LINKTYPE_ value. `ts` is copied to
 * the packet. The packet's `payload` is a view into `frame`: valid only as
 * long as `frame`'s bytes are.
 */
export function decodeFrame(linkType: number, frame: Buffer, ts: number): DecodeResult {
  return decodeFrameAt(linkType, frame, 0, frame.length, ts);
}

function newDecodedPacket(): DecodedPacket {
  return {
    ts: 0,
    srcMac: null,
    dstMac: null,
    vlans: NO_VLANS,
    ipVersion: 4,
    srcIp: '',
    dstIp: '',
    ipProto: 0,
    srcPort: 0,
    dstPort: 0,
    tcp: null,
    payload: EMPTY,
    payloadSource: null,
    payloadStart: 0,
    payloadLength: 0,
    fragment: false,
  };
}

/** A packet (and its TCP header) that `decodeFrameInto` overwrites frame after frame. */
export interface PacketScratch {
  readonly packet: DecodedPacket;
  readonly tcp: TcpHeader;
}

export function newPacketScratch(): PacketScratch {
  return { packet: newDecodedPacket(), tcp: { seq: 0, ack: 0, flags: 0, window: 0 } };
}

/**
 * `decodeFrame` for a frame stored at `buf[start, end)`, e.g. inside a
 * capture batch, without a Buffer view made for it first (one allocation
 * less per packet). The payload is a view of `buf`.
 */
export function decodeFrameAt(linkType: number, frame: Buffer, start: number, end: number, ts: number): DecodeResult {
  const packet = newDecodedPacket();
  const err = decodeInto(linkType, frame, start, end, ts, packet, { seq: 0, ack: 0, flags: 0, window: 0 }, false);
  return err ?? { ok: true, packet };
}

/**
 * `decodeFrameAt` into `scratch.packet`, overwriting the previous frame's
 * values: no result, packet or TCP header object is allocated, and a TCP
 * payload is given as `payloadSource`/`payloadStart`/`payloadLength` rather
 * than as a view (UDP payloads still get one). For a consumer that is done
 * with a packet before it decodes the next (the pipeline); anything kept
 * must be copied out, as with the payload. Returns null, or why the frame
 * was not decoded (the packet is then partly overwritten).
 */
export function decodeFrameInto(linkType: number, frame: Buffer, start: number, end: number, ts: number, scratch: PacketScratch): LayerError | null {
  return decodeInto(linkType, frame, start, end, ts, scratch.packet, scratch.tcp, true);
}

function decodeInto(
  linkType: number,
  frame: Buffer,
  start: number,
  end: number,
  ts: number,
  out: DecodedPacket,
  tcpHeader: TcpHeader,
  lazyTcpPayload: boolean,
): LayerError | null {
  const linkErr = decodeLink(linkType, frame, start, end);
  if (linkErr !== null) return linkErr;

  let ipErr: LayerError | null;
  if (link.etherType === ETHERTYPE_IPV4) ipErr = decodeIpv4(frame, link.payloadOffset, end, ip);
  else if (link.etherType === ETHERTYPE_IPV6) ipErr = decodeIpv6(frame, link.payloadOffset, end, ip);
  else return E_NOT_IP;
  if (ipErr !== null) return ipErr;

  let srcPort = 0;
  let dstPort = 0;
  let hasTcp = false;
  let payload: Buffer = EMPTY;
  let source: Buffer | null = null;
  let sourceStart = 0;
  let sourceLength = 0;
  if (ip.hasTransportHeader) {
    if (ip.protocol === 6) {
      const err = decodeTcp(frame, ip.payloadOffset, ip.payloadEnd, tcp);
      if (err !== null) return err;
      srcPort = tcp.srcPort;
      dstPort = tcp.dstPort;
      tcpHeader.seq = tcp.seq;
      tcpHeader.ack = tcp.ack;
      tcpHeader.flags = tcp.flags;
      tcpHeader.window = tcp.window;
      hasTcp = true;
      // Nearly half the TCP segments on a capture are bare ACKs: they share one empty buffer instead of a view each.
      if (tcp.payloadOffset < ip.payloadEnd) {
        if (lazyTcpPayload) {
          source = frame;
          sourceStart = tcp.payloadOffset;
          sourceLength = ip.payloadEnd - tcp.payloadOffset;
        } else payload = frame.subarray(tcp.payloadOffset, ip.payloadEnd);
      }
    } else if (ip.protocol === 17) {
      const err = decodeUdp(frame, ip.payloadOffset, ip.payloadEnd, udp);
      if (err !== null) return err;
      srcPort = udp.srcPort;
      dstPort = udp.dstPort;
      if (udp.payloadOffset < udp.payloadEnd) payload = frame.subarray(udp.payloadOffset, udp.payloadEnd);
    }
  }

  const v4 = ip.version === 4;
  out.ts = ts;
  out.srcMac = link.srcMacOffset >= 0 ? cachedMac(frame, link.srcMacOffset) : null;
  out.dstMac = link.dstMacOffset >= 0 ? cachedMac(frame, link.dstMacOffset) : null;
  out.vlans = link.vlans;
  out.ipVersion = ip.version;
  out.srcIp = v4 ? cachedIpv4(frame, ip.srcOffset) : formatIpv6(frame, ip.srcOffset);
  out.dstIp = v4 ? cachedIpv4(frame, ip.dstOffset) : formatIpv6(frame, ip.dstOffset);
  out.ipProto = ip.protocol;
  out.srcPort = srcPort;
  out.dstPort = dstPort;
  out.tcp = hasTcp ? tcpHeader : null;
  out.payload = payload;
  if (lazyTcpPayload) {
    out.payloadSource = source;
    out.payloadStart = sourceStart;
    out.payloadLength = sourceLength;
  }
  out.fragment = ip.fragment;
  return null;
}
