/**
 * Interpretation of the DHCP options that identify a client: RFC 2132 §3.14
 * host name, §9 DHCP extensions (message type, addresses, lease, parameter
 * request list, vendor class, client identifier) and RFC 4702 client FQDN.
 * Pure; a value of the wrong shape becomes an issue and a null field.
 */
import { cachedIpv4 } from '../link/address-cache.js';
import {
  DHCP_FQDN_FLAG_E,
  DHCP_MAX_TEXT_LENGTH,
  DHCP_MESSAGE_TYPE_NAMES,
  DHCP_OPT_CLIENT_FQDN,
  DHCP_OPT_CLIENT_ID,
  DHCP_OPT_HOST_NAME,
  DHCP_OPT_LEASE_TIME,
  DHCP_OPT_MAX_MESSAGE_SIZE,
  DHCP_OPT_MESSAGE_TYPE,
  DHCP_OPT_PARAMETER_REQUEST_LIST,
  DHCP_OPT_REQUESTED_IP,
  DHCP_OPT_SERVER_ID,
  DHCP_OPT_VENDOR_CLASS,
} from './constants.js';
import { optionData, type DhcpIssue, type DhcpMessage } from './parser.js';
import { internLatin1 } from '../common/intern.js';

/** The client-describing values of one message; null when absent or unusable. */
export interface DhcpFields {
  /** RFC 2132 §9.6 code, and its name ('DISCOVER', ...; 'UNKNOWN-n' for codes nobody assigned). */
  messageType: number | null;
  messageTypeName: string | null;
  requestedIp: string | null;
  serverId: string | null;
  hostName: string | null;
  fqdn: string | null;
  vendorClass: string | null;
  parameterRequestList: string | null;
  clientId: string | null;
  leaseTime: number | null;
  maxMessageSize: number | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Hex of a byte string, lower case, no separators. */
export function toHex(buf: Buffer): string {
  return buf.toString('hex');
}

/**
 * Text when the bytes are valid UTF-8 without control characters, else
 * '0x' + hex so a binary value can never pass for text. Trailing NULs are
 * dropped: several stacks send C strings. Longer values are cut to
 * DHCP_MAX_TEXT_LENGTH bytes (only repeated options can get there).
 */
export function textOrHex(raw: Buffer): string {
  let end = Math.min(raw.length, DHCP_MAX_TEXT_LENGTH);
  while (end > 0 && raw[end - 1] === 0) end--;
  // Printable ASCII (nearly every host name and vendor class) reads the same as UTF-8 and has no
  // control characters: read it directly, interned, since a client sends the same names every time.
  let p = 0;
  while (p < end && raw[p]! >= 0x20 && raw[p]! < 0x7f) p++;
  if (p === end) return internLatin1(raw, 0, end);
  const buf = raw.subarray(0, end);
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    return '0x' + toHex(buf);
  }
  // C0 controls, DEL and C1 controls make a value unsafe to show as text.
  return /[\u0000-\u001f\u007f-\u009f]/.test(text) ? '0x' + toHex(buf) : text;
}

/**
 * RFC 4702 §2.3: the name part of the client FQDN option. With the E flag it
 * is in DNS wire format (RFC 1035 §3.1 labels, no compression, possibly only
 * a leading part without the root label); without it, deprecated ASCII.
 */
export function readFqdnName(data: Buffer, issues: DhcpIssue[]): string | null {
  // RFC 4702 §2: flags, RCODE1, RCODE2, then the name
  if (data.length < 3) {
    issues.push({ kind: 'malformed', detail: `option 81 (client FQDN) is ${data.length} bytes, needs at least 3` });
    return null;
  }
  const flags = data[0]!;
  const name = data.subarray(3);
  if (name.length === 0) return null;
  if ((flags & DHCP_FQDN_FLAG_E) === 0) {
    const text = textOrHex(name);
    const trimmed = text.startsWith('0x') ? text : text.replace(/\.$/, '');
    return trimmed.length > 0 ? trimmed : null;
  }
  const labels: string[] = [];
  let off = 0;
  while (off < name.length) {
    const len = name[off]!;
    if (len === 0) break; // root label: a fully qualified name
    if (len > 63) {
      // RFC 1035 §4.1.4 pointers (0xC0) are forbidden here by RFC 4702 §2.1
      issues.push({ kind: 'malformed', detail: `option 81 (client FQDN) has a label length byte ${len}` });
      return labels.length > 0 ? labels.join('.') : null;
    }
    if (off + 1 + len > name.length) {
      issues.push({ kind: 'truncated', detail: `option 81 (client FQDN) label of ${len} bytes runs past the option` });
      return labels.length > 0 ? labels.join('.') : null;
    }
    labels.push(textOrHex(name.subarray(off + 1, off + 1 + len)));
    off += 1 + len;
  }
  return labels.length > 0 ? labels.join('.') : null;
}

/** A value that was only NUL padding says nothing. */
function nonEmpty(s: string): string | null {
  return s.length > 0 ? s : null;
}

/** An option whose value must be exactly `len` bytes; otherwise an issue and null. */
function fixed(msg: DhcpMessage, code: number, len: number, what: string, issues: DhcpIssue[]): Buffer | null {
  const d = optionData(msg, code);
  if (d === null) return null;
  if (d.length !== len) {
    issues.push({ kind: 'malformed', detail: `option ${code} (${what}) is ${d.length} bytes, expected ${len}` });
    return null;
  }
  return d;
}

/** A variable-length option that must hold at least `min` bytes. */
function atLeast(msg: DhcpMessage, code: number, min: number, what: string, issues: DhcpIssue[]): Buffer | null {
  const d = optionData(msg, code);
  if (d === null) return null;
  if (d.length < min) {
    issues.push({ kind: 'malformed', detail: `option ${code} (${what}) is ${d.length} bytes, needs at least ${min}` });
    return null;
  }
  return d;
}

/**
 * Reads the client-describing options of a parsed message. Appends an issue
 * for every option present with the wrong shape.
 */
export function readDhcpFields(msg: DhcpMessage, issues: DhcpIssue[]): DhcpFields {
  // RFC 2132 §9.6: one byte
  const mt = fixed(msg, DHCP_OPT_MESSAGE_TYPE, 1, 'message type', issues);
  const messageType = mt === null ? null : mt[0]!;
  // RFC 2132 §9.1, §9.7: one IPv4 address
  const req = fixed(msg, DHCP_OPT_REQUESTED_IP, 4, 'requested address', issues);
  const sid = fixed(msg, DHCP_OPT_SERVER_ID, 4, 'server identifier', issues);
  // RFC 2132 §9.2: 32-bit seconds
  const lease = fixed(msg, DHCP_OPT_LEASE_TIME, 4, 'lease time', issues);
  // RFC 2132 §9.10: 16-bit, minimum 576
  const mms = fixed(msg, DHCP_OPT_MAX_MESSAGE_SIZE, 2, 'maximum message size', issues);
  // RFC 2132 §3.14, §9.13: at least one byte of text
  const host = atLeast(msg, DHCP_OPT_HOST_NAME, 1, 'host name', issues);
  const vendor = atLeast(msg, DHCP_OPT_VENDOR_CLASS, 1, 'vendor class', issues);
  // RFC 2132 §9.8: at least one code
  const prl = atLeast(msg, DHCP_OPT_PARAMETER_REQUEST_LIST, 1, 'parameter request list', issues);
  // RFC 2132 §9.14: type byte plus at least one byte
  const cid = atLeast(msg, DHCP_OPT_CLIENT_ID, 2, 'client identifier', issues);
  const fq = optionData(msg, DHCP_OPT_CLIENT_FQDN);

  let prlText: string | null = null;
  if (prl !== null) {
    const codes = new Array<number>(prl.length);
    for (let i = 0; i < prl.length; i++) codes[i] = prl[i]!;
    prlText = codes.join(',');
  }
  return {
    messageType,
    messageTypeName: messageType === null ? null : (DHCP_MESSAGE_TYPE_NAMES[messageType] ?? `UNKNOWN-${messageType}`),
    requestedIp: req === null ? null : cachedIpv4(req, 0),
    serverId: sid === null ? null : cachedIpv4(sid, 0),
    hostName: host === null ? null : nonEmpty(textOrHex(host)),
    fqdn: fq === null ? null : readFqdnName(fq, issues),
    vendorClass: vendor === null ? null : nonEmpty(textOrHex(vendor)),
    parameterRequestList: prlText,
    clientId: cid === null ? null : toHex(cid),
    leaseTime: lease === null ? null : lease.readUInt32BE(0),
    maxMessageSize: mms === null ? null : mms.readUInt16BE(0),
  };
}
