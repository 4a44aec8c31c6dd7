/**
 * DHCPv4 from UDP datagrams: what a client says about itself (host name,
 * vendor class, parameter request list fingerprint, client id) and which
 * address it got. Stateless: the pipeline calls {@link dhcpEventFromPacket}
 * from its UDP hook with each datagram.
 */
import type { DhcpAnomalyEvent, DhcpEvent, DhcpMessageEvent } from './events.js';
import { DHCP_HTYPE_ETHERNET, DHCP_MAX_OPTIONS } from './constants.js';
import { readDhcpFields, type DhcpFields } from './options.js';
import { parseDhcpMessage, type DhcpIssue, type DhcpMessage, type DhcpOption } from './parser.js';
import { formatMac } from '../link/ethernet.js';
import { internLatin1 } from '../common/intern.js';

export type * from './events.js';
export * from './constants.js';
export {
  parseDhcpMessage,
  looksLikeDhcp,
  optionData,
  type DhcpHeader,
  type DhcpIssue,
  type DhcpIssueKind,
  type DhcpMessage,
  type DhcpOption,
  type DhcpOptionArea,
  type DhcpParse,
} from './parser.js';
export { readDhcpFields, readFqdnName, textOrHex, toHex, type DhcpFields } from './options.js';
export { dhcpProbe, dhcpPortHint, DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from './probe.js';

/** A parsed message with its interpreted options. */
export interface DhcpValue {
  message: DhcpMessage;
  fields: DhcpFields;
}

/**
 * Parses a UDP payload as DHCP. Null when it is not DHCP (no cookie, wrong
 * op, ...); otherwise the message and its fields, with `issues` as
 * 'kind: detail' strings (kind is 'truncated', 'malformed' or 'cap').
 */
export function parseDhcp(payload: Buffer): { value: DhcpValue; issues: string[] } | null {
  const r = parseDhcpDetailed(payload);
  if (r === null) return null;
  return { value: r.value, issues: r.issues.map((i) => `${i.kind}: ${i.detail}`) };
}

/** As {@link parseDhcp}, with issues kept structured. */
export function parseDhcpDetailed(payload: Buffer): { value: DhcpValue; issues: DhcpIssue[] } | null {
  const parsed = parseDhcpMessage(payload);
  if (parsed === null) return null;
  const issues = parsed.issues;
  const fields = readDhcpFields(parsed.value, issues);
  return { value: { message: parsed.value, fields }, issues };
}

/** The parts of a decoded packet DHCP needs (DecodedPacket satisfies it). */
export interface DhcpPacketLike {
  ts: number;
  srcIp: string;
  dstIp: string;
  srcMac: string | null;
  payload: Buffer;
}

const nonZeroIp = (ip: string): string | null => (ip === '0.0.0.0' ? null : ip);

/**
 * Events for one UDP datagram: a 'dhcp.message' event when it is DHCP, then
 * one anomaly event per issue found in it; nothing when it is not DHCP. Pure,
 * and never throws on any payload. Every value is copied out of the packet
 * (no Buffer escapes), so the payload may be reused after the call.
 */
export function dhcpEventFromPacket(pkt: DhcpPacketLike): DhcpEvent[] {
  let r: ReturnType<typeof parseDhcpDetailed>;
  try {
    r = parseDhcpDetailed(pkt.payload);
  } catch (err) {
    // Defence in depth: the parser bounds-checks every read, so this is a bug, reported as data.
    return [anomaly(pkt, 'malformed', `parser error: ${(err as Error).message}`, 'orig')];
  }
  if (r === null) return [];
  const { message: m, fields: f } = r.value;
  const h = m.header;
  const dir = h.op === 1 ? 'orig' : 'resp';
  const ev: DhcpMessageEvent = {
    type: 'dhcp.message',
    protocol: 'dhcp',
    ts: pkt.ts,
    dir,
    op: h.op,
    messageType: f.messageTypeName,
    clientMac: h.htype === DHCP_HTYPE_ETHERNET && h.hlen === 6 ? formatMac(h.chaddr, 0) : null,
    clientIp: nonZeroIp(h.ciaddr),
    yourIp: nonZeroIp(h.yiaddr),
    requestedIp: f.requestedIp,
    serverId: f.serverId,
    hostName: f.hostName,
    fqdn: f.fqdn,
    vendorClass: f.vendorClass,
    parameterRequestList: f.parameterRequestList,
    clientId: f.clientId,
    leaseTime: f.leaseTime,
    srcIp: pkt.srcIp,
    dstIp: pkt.dstIp,
    srcMac: pkt.srcMac,
    xid: h.xid.toString(16).padStart(8, '0'),
    relayIp: nonZeroIp(h.giaddr),
    optionCodes: optionCodesText(m.options),
    maxMessageSize: f.maxMessageSize,
  };
  const out: DhcpEvent[] = [ev];
  for (const i of r.issues) out.push(anomaly(pkt, i.kind, i.detail, dir));
  return out;
}

/**
 * Scratch for the two ASCII texts made per message (the xid, the option code
 * list): written as bytes and read as one flat string, with no per-code
 * number formatting or array join. Sized for the most options a message can
 * yield (3 digits and a comma each).
 */
const TEXT_SCRATCH = Buffer.alloc(DHCP_MAX_OPTIONS * 4);
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** The transaction id as 8 lower-case hex digits. */
function xidText(xid: number): string {
  const s = TEXT_SCRATCH;
  for (let k = 0; k < 8; k++) s[k] = HEX_DIGITS[(xid >>> (28 - 4 * k)) & 15]!;
  return s.toString('latin1', 0, 8);
}

/** Option codes in wire order, comma separated; interned (a client sends the same list every time). */
function optionCodesText(options: DhcpOption[]): string {
  const s = TEXT_SCRATCH;
  let n = 0;
  for (let i = 0; i < options.length; i++) {
    if (i > 0) s[n++] = 0x2c;
    const c = options[i]!.code;
    if (c >= 100) s[n++] = 0x30 + ((c / 100) | 0);
    if (c >= 10) s[n++] = 0x30 + (((c / 10) | 0) % 10);
    s[n++] = 0x30 + (c % 10);
  }
  return n === 0 ? '' : internLatin1(s, 0, n);
}

function anomaly(pkt: DhcpPacketLike, kind: string, detail: string, dir: 'orig' | 'resp'): DhcpAnomalyEvent {
  return {
    type: 'anomaly',
    protocol: 'dhcp',
    kind,
    detail,
    ts: pkt.ts,
    dir,
    srcIp: pkt.srcIp,
    dstIp: pkt.dstIp,
    srcMac: pkt.srcMac,
  };
}
