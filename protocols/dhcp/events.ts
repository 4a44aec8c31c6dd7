/**
 * Events the DHCP parser emits (RFC 2131 messages, RFC 2132 options): what a
 * client says about itself. DHCP carries no patient data; host names can
 * still be personal on a hospital network, so nothing beyond these fields is
 * kept.
 */
import type { AnomalyEvent, EventBase } from '../common/analyzer.js';

export interface DhcpMessageEvent extends EventBase {
  type: 'dhcp.message';
  protocol: 'dhcp';
  /** RFC 2131 op: 1 BOOTREQUEST (client), 2 BOOTREPLY (server). */
  op: 1 | 2;
  /** Option 53 name: 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM'; null for plain BOOTP. */
  messageType: string | null;
  /** chaddr when htype is Ethernet (1) and hlen 6: lower-case colon form. */
  clientMac: string | null;
  /** ciaddr, yiaddr (null when 0.0.0.0). */
  clientIp: string | null;
  yourIp: string | null;
  /** Option 50 requested address, option 54 server identifier. */
  requestedIp: string | null;
  serverId: string | null;
  /** Option 12 host name; option 81 client FQDN name when present. */
  hostName: string | null;
  fqdn: string | null;
  /** Option 60 vendor class identifier (printable text; hex when binary). */
  vendorClass: string | null;
  /** Option 55 parameter request list as a fingerprint string, e.g. '1,3,6,15,31,33,43,44,46,47,119,121,249,252'. */
  parameterRequestList: string | null;
  /** Option 61 client identifier as hex (type byte first). */
  clientId: string | null;
  /** Option 51 lease time in seconds (server replies). */
  leaseTime: number | null;
  /** Transport addresses of the packet. */
  srcIp: string;
  dstIp: string;
  srcMac: string | null;
  // Added by the DHCP parser (additive to the contract above).
  /** RFC 2131 §2 transaction id as 8 lower-case hex digits: ties a DISCOVER to its OFFER, a REQUEST to its ACK. */
  xid: string;
  /** giaddr when a relay agent forwarded the message (null when 0.0.0.0): the client is on another subnet. */
  relayIp: string | null;
  /** Option codes in wire order, joined by commas (pad/end left out): a second fingerprint next to option 55. */
  optionCodes: string;
  /** Option 57 maximum DHCP message size. */
  maxMessageSize: number | null;
}

export interface DhcpAnomalyEvent extends AnomalyEvent {
  protocol: 'dhcp';
  /** Transport addresses of the packet the anomaly was found in (additive). */
  srcIp?: string;
  dstIp?: string;
  srcMac?: string | null;
}

export type DhcpEvent = DhcpMessageEvent | DhcpAnomalyEvent;
