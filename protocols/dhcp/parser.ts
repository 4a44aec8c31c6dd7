/**
 * Pure DHCP message grammar: the BOOTP fixed header (RFC 2131 §2), the magic
 * cookie, and the option walk (RFC 2132 §2) including option overload into
 * `file` and `sname` (RFC 2131 §4.1, RFC 2132 §9.3). No interpretation of
 * option values beyond overload: see options.ts for that.
 *
 * Zero-copy: option data and chaddr are `subarray` views of the input, valid
 * as long as its bytes are. Malformed input never throws; it comes back as
 * issues next to whatever could be read.
 */
import { cachedIpv4 } from '../link/address-cache.js';
import {
  DHCP_CHADDR_LENGTH,
  DHCP_FILE_LENGTH,
  DHCP_MAGIC_COOKIE,
  DHCP_MAX_HOPS,
  DHCP_MAX_OPTIONS,
  DHCP_MIN_LENGTH,
  DHCP_OFF_CHADDR,
  DHCP_OFF_CIADDR,
  DHCP_OFF_COOKIE,
  DHCP_OFF_FILE,
  DHCP_OFF_FLAGS,
  DHCP_OFF_GIADDR,
  DHCP_OFF_HLEN,
  DHCP_OFF_HOPS,
  DHCP_OFF_HTYPE,
  DHCP_OFF_OP,
  DHCP_OFF_OPTIONS,
  DHCP_OFF_SECS,
  DHCP_OFF_SIADDR,
  DHCP_OFF_SNAME,
  DHCP_OFF_XID,
  DHCP_OFF_YIADDR,
  DHCP_OP_BOOTREPLY,
  DHCP_OP_BOOTREQUEST,
  DHCP_OPT_END,
  DHCP_OPT_OVERLOAD,
  DHCP_OPT_PAD,
  DHCP_OVERLOAD_BOTH,
  DHCP_OVERLOAD_FILE,
  DHCP_OVERLOAD_SNAME,
  DHCP_SNAME_LENGTH,
} from './constants.js';

/** Which part of the message an option was found in (RFC 2131 §4.1 reading order). */
export type DhcpOptionArea = 'options' | 'file' | 'sname';

/** One option instance as it appeared on the wire. */
export interface DhcpOption {
  code: number;
  /** The value bytes (a view into the payload). */
  data: Buffer;
  area: DhcpOptionArea;
}

/** Stable anomaly kinds a DHCP parse can report. */
export type DhcpIssueKind = 'truncated' | 'malformed' | 'cap';

/** Something wrong with a message that was still (partly) readable. */
export interface DhcpIssue {
  kind: DhcpIssueKind;
  detail: string;
}

// RFC 2131 §2 message format (fixed part, 236 bytes)
export interface DhcpHeader {
  op: 1 | 2;
  htype: number;
  hlen: number;
  hops: number;
  /** Transaction id, as an unsigned 32-bit number. */
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The first `hlen` bytes of chaddr (a view). */
  chaddr: Buffer;
}

/** A parsed DHCP message: header, option instances in wire order, and the header strings not used for options. */
export interface DhcpMessage {
  header: DhcpHeader;
  /** RFC 2132 §9.3 overload value actually applied (0 when none). */
  overload: number;
  /** sname / file bytes (views), or null when that field carried options. */
  sname: Buffer | null;
  file: Buffer | null;
  /** Every option instance except pad and end, in the order RFC 2131 §4.1 reads them. */
  options: DhcpOption[];
}

/** Outcome of {@link parseDhcpMessage}: the message (possibly partial) and what was wrong with it. */
export interface DhcpParse {
  value: DhcpMessage;
  issues: DhcpIssue[];
}

/**
 * Does `payload` start like a DHCP message? Checks the fields a sender cannot
 * get wrong without every peer ignoring it: op, a chaddr length that fits,
 * a hop count a relay would accept, and the magic cookie at offset 236
 * (RFC 2131 §2-§3). Plain BOOTP without the cookie is not accepted.
 */
export function looksLikeDhcp(payload: Buffer): boolean {
  if (payload.length < DHCP_MIN_LENGTH) return false;
  const op = payload[DHCP_OFF_OP]!;
  if (op !== DHCP_OP_BOOTREQUEST && op !== DHCP_OP_BOOTREPLY) return false;
  if (payload[DHCP_OFF_HTYPE] === 0) return false;
  if (payload[DHCP_OFF_HLEN]! > DHCP_CHADDR_LENGTH) return false;
  if (payload[DHCP_OFF_HOPS]! > DHCP_MAX_HOPS) return false;
  return payload.readUInt32BE(DHCP_OFF_COOKIE) === DHCP_MAGIC_COOKIE;
}

/** Mutable walk state shared by the option areas of one message. */
interface WalkState {
  options: DhcpOption[];
  issues: DhcpIssue[];
  capped: boolean;
}

/**
 * Walks one option area [start, end) per RFC 2132 §2: pad (0) and end (255)
 * are single bytes, every other option is code, length, value. Stops at end,
 * at the first option that does not fit, or at the cap.
 */
function walkArea(buf: Buffer, start: number, end: number, area: DhcpOptionArea, st: WalkState): void {
  let off = start;
  while (off < end) {
    const code = buf[off]!;
    if (code === DHCP_OPT_PAD) {
      off++;
      continue;
    }
    if (code === DHCP_OPT_END) return;
    if (st.options.length >= DHCP_MAX_OPTIONS) {
      st.capped = true;
      st.issues.push({ kind: 'cap', detail: `more than ${DHCP_MAX_OPTIONS} options; the rest were not read` });
      return;
    }
    if (off + 1 >= end) {
      st.issues.push({ kind: 'truncated', detail: `option ${code} in ${area} at offset ${off} has no length byte` });
      return;
    }
    const len = buf[off + 1]!;
    const dataStart = off + 2;
    if (dataStart + len > end) {
      st.issues.push({
        kind: 'truncated',
        detail: `option ${code} in ${area} declares ${len} bytes but only ${end - dataStart} remain`,
      });
      return;
    }
    st.options.push({ code, data: buf.subarray(dataStart, dataStart + len), area });
    off = dataStart + len;
  }
  // RFC 2131 §4.1 / RFC 2132 §9.3: each area that carries options ends with the end option.
  st.issues.push({ kind: area === 'options' ? 'truncated' : 'malformed', detail: `no end option in ${area}` });
}

/**
 * Parses a DHCP message from a UDP payload. Returns null when the payload is
 * not DHCP at all ({@link looksLikeDhcp} false); otherwise the message with
 * every option that could be read, and the issues met on the way.
 */
export function parseDhcpMessage(payload: Buffer): DhcpParse | null {
  if (!looksLikeDhcp(payload)) return null;
  const hlen = payload[DHCP_OFF_HLEN]!;
  const header: DhcpHeader = {
    op: payload[DHCP_OFF_OP] as 1 | 2,
    htype: payload[DHCP_OFF_HTYPE]!,
    hlen,
    hops: payload[DHCP_OFF_HOPS]!,
    xid: payload.readUInt32BE(DHCP_OFF_XID),
    secs: payload.readUInt16BE(DHCP_OFF_SECS),
    flags: payload.readUInt16BE(DHCP_OFF_FLAGS),
    ciaddr: cachedIpv4(payload, DHCP_OFF_CIADDR),
    yiaddr: cachedIpv4(payload, DHCP_OFF_YIADDR),
    siaddr: cachedIpv4(payload, DHCP_OFF_SIADDR),
    giaddr: cachedIpv4(payload, DHCP_OFF_GIADDR),
    chaddr: payload.subarray(DHCP_OFF_CHADDR, DHCP_OFF_CHADDR + hlen),
  };
  const st: WalkState = { options: [], issues: [], capped: false };
  walkArea(payload, DHCP_OFF_OPTIONS, payload.length, 'options', st);

  // RFC 2132 §9.3: only an overload option in the options field itself counts.
  let overload = 0;
  let overloadSeen = false;
  for (const o of st.options) {
    if (o.code !== DHCP_OPT_OVERLOAD) continue;
    if (overloadSeen) {
      st.issues.push({ kind: 'malformed', detail: 'option 52 (overload) repeated; the first one is used' });
      break;
    }
    overloadSeen = true;
    const v = o.data.length === 1 ? o.data[0]! : -1;
    if (v >= DHCP_OVERLOAD_FILE && v <= DHCP_OVERLOAD_BOTH) overload = v;
    else st.issues.push({ kind: 'malformed', detail: `option 52 (overload) has an invalid value (length ${o.data.length})` });
  }

  // RFC 2131 §4.1: options, then file, then sname.
  const fileEnd = DHCP_OFF_FILE + DHCP_FILE_LENGTH;
  const snameEnd = DHCP_OFF_SNAME + DHCP_SNAME_LENGTH;
  const fromOptions = st.options.length;
  if ((overload & DHCP_OVERLOAD_FILE) !== 0 && !st.capped) walkArea(payload, DHCP_OFF_FILE, fileEnd, 'file', st);
  if ((overload & DHCP_OVERLOAD_SNAME) !== 0 && !st.capped) walkArea(payload, DHCP_OFF_SNAME, snameEnd, 'sname', st);
  for (let i = fromOptions; i < st.options.length; i++) {
    if (st.options[i]!.code === DHCP_OPT_OVERLOAD) {
      st.issues.push({ kind: 'malformed', detail: `option 52 (overload) inside ${st.options[i]!.area}; ignored` });
    }
  }

  return {
    value: {
      header,
      overload,
      sname: (overload & DHCP_OVERLOAD_SNAME) !== 0 ? null : payload.subarray(DHCP_OFF_SNAME, snameEnd),
      file: (overload & DHCP_OVERLOAD_FILE) !== 0 ? null : payload.subarray(DHCP_OFF_FILE, fileEnd),
      options: st.options,
    },
    issues: st.issues,
  };
}

/**
 * The value of option `code`, or null when absent. RFC 2131 §4.1: several
 * instances of one option are concatenated in reading order (the only case
 * that copies).
 */
export function optionData(msg: DhcpMessage, code: number): Buffer | null {
  let first: Buffer | null = null;
  let parts: Buffer[] | null = null;
  for (const o of msg.options) {
    if (o.code !== code) continue;
    if (first === null) first = o.data;
    else (parts ??= [first]).push(o.data);
  }
  return parts !== null ? Buffer.concat(parts) : first;
}
