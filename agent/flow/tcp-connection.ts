import type { ConnectionInfo, EndReason } from '../../protocols/common/analyzer.js';
import type { DecodedPacket, TcpHeader } from '../../protocols/link/types.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../protocols/link/types.js';
import type { AnalyzerGuard } from './analyzer-guard.js';
import type { FlowStats } from './flow-stats.js';
import type { HeldBudget } from './held-budget.js';
import { seqAdd } from './seq.js';
import { TcpReassembler } from './tcp-reassembler.js';

/**
 * One TCP connection in the flow table: both directions' reassemblers, the
 * connection's identity for analyzers, and the bookkeeping the table needs
 * for eviction. It decides which direction a packet belongs to and routes
 * acknowledgements to the direction they acknowledge.
 */
export class TcpConnection {
  readonly orig: TcpReassembler;
  readonly resp: TcpReassembler;
  /** Capture time of the last packet (table clock). */
  lastTs: number;
  /** Capture time this entry was last moved to the back of the table's order. */
  orderTs: number;
  /** Set once an RST was seen. */
  reset = false;
  private origMacSeen: boolean;
  private respMacSeen: boolean;

  constructor(
    readonly key: string,
    readonly info: ConnectionInfo,
    firstFromOrig: boolean,
    guard: AnalyzerGuard,
    budget: HeldBudget,
    stats: FlowStats,
    maxHeldPerDirection: number,
    now: number,
  ) {
    this.orig = new TcpReassembler('orig', guard, budget, stats, maxHeldPerDirection);
    this.resp = new TcpReassembler('resp', guard, budget, stats, maxHeldPerDirection);
    this.lastTs = now;
    this.orderTs = now;
    this.origMacSeen = firstFromOrig;
    this.respMacSeen = !firstFromOrig;
  }

  /** True when the packet's 4-tuple is this connection's, in either direction (what `flowKey` would map here). */
  hasEndpoints(pkt: DecodedPacket): boolean {
    const o = this.info.orig;
    const r = this.info.resp;
    if (pkt.srcPort === o.port && pkt.dstPort === r.port) return pkt.srcIp === o.ip && pkt.dstIp === r.ip;
    if (pkt.srcPort === r.port && pkt.dstPort === o.port) return pkt.srcIp === r.ip && pkt.dstIp === o.ip;
    return false;
  }

  /** True when the packet was sent by the originator. */
  isFromOrig(pkt: DecodedPacket): boolean {
    const o = this.info.orig;
    return pkt.srcPort === o.port && pkt.srcIp === o.ip;
  }

  /**
   * True when a SYN (without ACK) on this entry opens a new connection that
   * reuses the ports: it comes from the responder, the entry was joined
   * mid-stream, or its ISN differs from the one the handshake fixed.
   */
  isNewConnection(pkt: DecodedPacket, tcp: TcpHeader): boolean {
    if (!this.info.handshakeSeen || !this.isFromOrig(pkt)) return true;
    const first = this.orig.initialSeq;
    return first !== -1 && first !== seqAdd(tcp.seq, 1);
  }

  /** Feed one packet; returns true when the connection is over (both directions ended). */
  packet(pkt: DecodedPacket, tcp: TcpHeader, now: number): boolean {
    const fromOrig = this.isFromOrig(pkt);
    const flags = tcp.flags;
    const ts = pkt.ts;
    this.lastTs = now;
    // Source MACs as seen at the capture point: the first packet gave us both
    // (its destination MAC stands in for the peer's); a packet from the peer
    // replaces the stand-in with what it actually sends from.
    if (fromOrig ? !this.origMacSeen : !this.respMacSeen) {
      if (pkt.srcMac !== null) (fromOrig ? this.info.orig : this.info.resp).mac = pkt.srcMac;
      if (fromOrig) this.origMacSeen = true;
      else this.respMacSeen = true;
    }
    const sender = fromOrig ? this.orig : this.resp;
    const peer = fromOrig ? this.resp : this.orig;
    if (flags & TCP_RST) {
      // RFC 9293 §3.10.7: a reset aborts both directions at once.
      this.reset = true;
      this.finish('rst', ts);
      return true;
    }
    if ((flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
      // RFC 9293 §3.5: a SYN-ACK acknowledges ISN+1 of the other side, which
      // anchors that direction even when its SYN was lost.
      peer.expect(tcp.ack);
    }
    if (flags & TCP_ACK) peer.ack(tcp.ack, ts);
    const source = pkt.payloadSource;
    if (source == null) sender.segment(tcp.seq, flags, pkt.payload, ts);
    else sender.segmentFrom(tcp.seq, flags, source, pkt.payloadStart!, pkt.payloadLength!, ts);
    return this.orig.ended !== null && this.resp.ended !== null;
  }

  /** End both directions (each ends once; already ended ones are left alone). */
  finish(reason: EndReason, ts: number): void {
    this.orig.finish(reason, ts);
    this.resp.finish(reason, ts);
  }

  /** Out-of-order bytes held by both directions. */
  get heldBytes(): number {
    return this.orig.heldBytes + this.resp.heldBytes;
  }
}
