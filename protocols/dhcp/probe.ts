/**
 * Recognises DHCP by content on any UDP port (67/68 are only a hint: relays,
 * test rigs and some embedded stacks use others). The checks are those of
 * {@link looksLikeDhcp}: op 1 or 2, a non-zero htype, hlen that fits chaddr,
 * a hop count a relay would forward, and the magic cookie at offset 236
 * (RFC 2131 §2-§3).
 */
import type { Probe, ProbeVerdict } from '../common/analyzer.js';
import {
  DHCP_CHADDR_LENGTH,
  DHCP_MAX_HOPS,
  DHCP_MIN_LENGTH,
  DHCP_OFF_HLEN,
  DHCP_OFF_HOPS,
  DHCP_OFF_HTYPE,
  DHCP_OFF_OP,
  DHCP_OP_BOOTREPLY,
  DHCP_OP_BOOTREQUEST,
} from './constants.js';
import { looksLikeDhcp } from './parser.js';

export { looksLikeDhcp };

/** UDP ports DHCPv4 normally uses (RFC 2131 §4.1): server 67, client 68. */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/**
 * Probe over the first bytes of a message, for callers that see a prefix:
 * 'no-match' as soon as a fixed field rules DHCP out, 'need-more' while the
 * cookie has not arrived. A whole UDP datagram shorter than 240 bytes is
 * never DHCP: use {@link looksLikeDhcp} for datagrams.
 */
export const dhcpProbe: Probe = (firstBytes: Buffer): ProbeVerdict => {
  const n = firstBytes.length;
  if (n > DHCP_OFF_OP) {
    const op = firstBytes[DHCP_OFF_OP]!;
    if (op !== DHCP_OP_BOOTREQUEST && op !== DHCP_OP_BOOTREPLY) return 'no-match';
  }
  if (n > DHCP_OFF_HTYPE && firstBytes[DHCP_OFF_HTYPE] === 0) return 'no-match';
  if (n > DHCP_OFF_HLEN && firstBytes[DHCP_OFF_HLEN]! > DHCP_CHADDR_LENGTH) return 'no-match';
  if (n > DHCP_OFF_HOPS && firstBytes[DHCP_OFF_HOPS]! > DHCP_MAX_HOPS) return 'no-match';
  if (n < DHCP_MIN_LENGTH) return 'need-more';
  return looksLikeDhcp(firstBytes) ? 'match' : 'no-match';
};

/** Is this UDP port pair the usual DHCPv4 one? A hint for ordering probes, never a verdict. */
export function dhcpPortHint(srcPort: number, dstPort: number): boolean {
  return (
    srcPort === DHCP_SERVER_PORT || srcPort === DHCP_CLIENT_PORT ||
    dstPort === DHCP_SERVER_PORT || dstPort === DHCP_CLIENT_PORT
  );
}
