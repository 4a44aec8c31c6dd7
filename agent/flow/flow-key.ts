import type { DecodedPacket } from '../../protocols/link/types.js';
import { TCP_ACK, TCP_SYN } from '../../protocols/link/types.js';

/**
 * The table key of a packet's connection: the 5-tuple with the two endpoints
 * put in a fixed order, so both directions map to one entry. The protocol is
 * implicit (one table per transport). VLAN tags are not part of the key: a
 * routed packet mirrored once per VLAN is then the same flow seen twice, and
 * its second copy is trimmed as a retransmission instead of inventing a
 * second connection.
 */
export function flowKey(pkt: DecodedPacket): string {
  const a = pkt.srcIp;
  const b = pkt.dstIp;
  if (a < b || (a === b && pkt.srcPort <= pkt.dstPort)) {
    return a + ' ' + pkt.srcPort + ' ' + b + ' ' + pkt.dstPort;
  }
  return b + ' ' + pkt.dstPort + ' ' + a + ' ' + pkt.srcPort;
}

/**
 * Ports that mark the server side when the handshake was not seen. Below 1024
 * are the IANA system ports; the others are the registered medical ones this
 * sensor cares most about: DICOM (PS3.8 §C: 104, 11112; 2761/2762 DICOM over
 * ISCL/TLS) and HL7 MLLP (2575).
 */
const SERVICE_PORTS = new Set([104, 2575, 2761, 2762, 11112]);

/** True when `port` is probably where a server listens. */
export function looksLikeServerPort(port: number): boolean {
  return (port > 0 && port < 1024) || SERVICE_PORTS.has(port);
}

/**
 * Whether the sender of the first packet seen of a connection is its
 * originator. A SYN (without ACK) is sent by the originator and a SYN-ACK by
 * the responder (RFC 9293 §3.5). Mid-stream, the sender is taken as the
 * originator unless the port heuristic says it is the server: its port looks
 * like a service port and the other does not, or both do and its is the
 * lower one (clients' ephemeral ports are high).
 */
export function firstSenderIsOrig(pkt: DecodedPacket, flags: number): boolean {
  if (flags & TCP_SYN) return (flags & TCP_ACK) === 0;
  const src = looksLikeServerPort(pkt.srcPort);
  const dst = looksLikeServerPort(pkt.dstPort);
  if (src && !dst) return false;
  if (src && dst && pkt.srcPort < pkt.dstPort) return false;
  return true;
}

/** The text form of an endpoint in connection ids: `ip:port`, `[ipv6]:port`. */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
