/** TCP header decoder. */
import { layerError, type LayerError } from './layer.js';

/** The TCP fields the flow table needs, filled in place. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Low byte of the flags field: FIN SYN RST PSH ACK URG ECE CWR. */
  flags: number;
  window: number;
  /** Offset of the first payload byte (after options). */
  payloadOffset: number;
}

/** A fresh `TcpSegment` for callers that decode into a reusable struct. */
export function newTcpSegment(): TcpSegment {
  return { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, payloadOffset: 0 };
}

const E_SHORT = layerError('truncated', 'tcp: shorter than 20 bytes');
const E_DATA_OFFSET = layerError('malformed', 'tcp: data offset below 5');
const E_OPTIONS_SHORT = layerError('truncated', 'tcp: options extend past the IP payload');

/**
 * Decodes a TCP header at `offset`; `end` is the end of the IP payload, so
 * the segment's data is [payloadOffset, end). Options are skipped, not parsed.
 */
// RFC 9293 §3.1: source port(2) destination port(2) sequence(4) acknowledgment(4)
// data offset/reserved(1) flags(1) window(2) checksum(2) urgent pointer(2) options
export function decodeTcp(seg: Buffer, offset: number, end: number, out: TcpSegment): LayerError | null {
  if (offset + 20 > end) return E_SHORT;
  const headerLen = (seg[offset + 12] >> 4) * 4;
  if (headerLen < 20) return E_DATA_OFFSET;
  if (offset + headerLen > end) return E_OPTIONS_SHORT;
  out.srcPort = (seg[offset] << 8) | seg[offset + 1];
  out.dstPort = (seg[offset + 2] << 8) | seg[offset + 3];
  out.seq = seg.readUInt32BE(offset + 4);
  out.ack = seg.readUInt32BE(offset + 8);
  out.flags = seg[offset + 13];
  out.window = (seg[offset + 14] << 8) | seg[offset + 15];
  out.payloadOffset = offset + headerLen;
  return null;
}
