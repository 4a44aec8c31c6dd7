/**
 * DHCP wire constants: the BOOTP fixed header (RFC 2131 §2), the magic cookie
 * (RFC 2131 §3, RFC 2132 §2), the option codes we read (RFC 2132, RFC 4702)
 * and the caps the parser enforces.
 */

// RFC 2131 §2 'op' field
export const DHCP_OP_BOOTREQUEST = 1;
export const DHCP_OP_BOOTREPLY = 2;

/** RFC 2131 §2 htype for 10 Mb Ethernet (ARP hardware type 1, also used for every Ethernet speed). */
export const DHCP_HTYPE_ETHERNET = 1;
/** chaddr is 16 bytes, so a larger hlen can only be garbage. */
export const DHCP_CHADDR_LENGTH = 16;
/**
 * RFC 1542 §4.1.1: relay agents discard requests whose hops exceed 16; a
 * larger value is not a message any stack would forward or answer.
 */
export const DHCP_MAX_HOPS = 16;

// RFC 2131 §2 message format: byte offsets of the fixed header fields
export const DHCP_OFF_OP = 0;
export const DHCP_OFF_HTYPE = 1;
export const DHCP_OFF_HLEN = 2;
export const DHCP_OFF_HOPS = 3;
export const DHCP_OFF_XID = 4;
export const DHCP_OFF_SECS = 8;
export const DHCP_OFF_FLAGS = 10;
export const DHCP_OFF_CIADDR = 12;
export const DHCP_OFF_YIADDR = 16;
export const DHCP_OFF_SIADDR = 20;
export const DHCP_OFF_GIADDR = 24;
export const DHCP_OFF_CHADDR = 28;
export const DHCP_OFF_SNAME = 44;
export const DHCP_SNAME_LENGTH = 64;
export const DHCP_OFF_FILE = 108;
export const DHCP_FILE_LENGTH = 128;
/** RFC 2131 §3: the options field starts with the four-byte magic cookie. */
export const DHCP_OFF_COOKIE = 236;
export const DHCP_OFF_OPTIONS = 240;
/** Fixed header plus cookie: the shortest payload that can be DHCP. */
export const DHCP_MIN_LENGTH = DHCP_OFF_OPTIONS;

/** RFC 2132 §2: 99.130.83.99 in network order. */
export const DHCP_MAGIC_COOKIE = 0x63825363;

/** RFC 2131 §2 flags: the client cannot receive unicast before it is configured. */
export const DHCP_FLAG_BROADCAST = 0x8000;

// RFC 2132 option codes (§3 to §9) and later RFCs where noted
export const DHCP_OPT_PAD = 0; // RFC 2132 §3.1
export const DHCP_OPT_SUBNET_MASK = 1; // §3.3
export const DHCP_OPT_ROUTER = 3; // §3.5
export const DHCP_OPT_DNS_SERVER = 6; // §3.8
export const DHCP_OPT_HOST_NAME = 12; // §3.14
export const DHCP_OPT_DOMAIN_NAME = 15; // §3.17
export const DHCP_OPT_VENDOR_SPECIFIC = 43; // §8.4
export const DHCP_OPT_REQUESTED_IP = 50; // §9.1
export const DHCP_OPT_LEASE_TIME = 51; // §9.2
export const DHCP_OPT_OVERLOAD = 52; // §9.3
export const DHCP_OPT_MESSAGE_TYPE = 53; // §9.6
export const DHCP_OPT_SERVER_ID = 54; // §9.7
export const DHCP_OPT_PARAMETER_REQUEST_LIST = 55; // §9.8
export const DHCP_OPT_MESSAGE = 56; // §9.9
export const DHCP_OPT_MAX_MESSAGE_SIZE = 57; // §9.10
export const DHCP_OPT_RENEWAL_TIME = 58; // §9.11
export const DHCP_OPT_REBINDING_TIME = 59; // §9.12
export const DHCP_OPT_VENDOR_CLASS = 60; // §9.13
export const DHCP_OPT_CLIENT_ID = 61; // §9.14
export const DHCP_OPT_CLIENT_FQDN = 81; // RFC 4702 §2
export const DHCP_OPT_END = 255; // RFC 2132 §3.2

// RFC 2132 §9.3 option overload values: which header fields also carry options
export const DHCP_OVERLOAD_FILE = 1;
export const DHCP_OVERLOAD_SNAME = 2;
export const DHCP_OVERLOAD_BOTH = 3;

// RFC 4702 §2.1 client FQDN flags
export const DHCP_FQDN_FLAG_S = 0x01;
export const DHCP_FQDN_FLAG_O = 0x02;
/** Set: the name is in DNS wire format (RFC 1035 labels); clear: deprecated ASCII. */
export const DHCP_FQDN_FLAG_E = 0x04;
export const DHCP_FQDN_FLAG_N = 0x08;

/**
 * RFC 2132 §9.6 message types 1-8, RFC 3203 (9), RFC 4388 (10-13),
 * RFC 6926 (14-18), RFC 7724 (19-20).
 */
export const DHCP_MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'DISCOVER',
  2: 'OFFER',
  3: 'REQUEST',
  4: 'DECLINE',
  5: 'ACK',
  6: 'NAK',
  7: 'RELEASE',
  8: 'INFORM',
  9: 'FORCERENEW',
  10: 'LEASEQUERY',
  11: 'LEASEUNASSIGNED',
  12: 'LEASEUNKNOWN',
  13: 'LEASEACTIVE',
  14: 'BULKLEASEQUERY',
  15: 'LEASEQUERYDONE',
  16: 'ACTIVELEASEQUERY',
  17: 'LEASEQUERYSTATUS',
  18: 'TLS',
  19: 'STATECHANGE',
  20: 'CONNECT',
};

/**
 * Most option instances walked in one message (pads not counted). A real
 * message holds a few dozen; at most ~300 fit in a 1500-byte frame, so this
 * is hit only by crafted packets, and hitting it is reported.
 */
export const DHCP_MAX_OPTIONS = 256;

/** Longest text kept from a text option (host name, vendor class, FQDN); DNS names stop at 255. */
export const DHCP_MAX_TEXT_LENGTH = 255;
