import type { ConnectionInfo, EndReason, StreamAnalyzer } from '../../protocols/common/analyzer.js';
import type { DecodedPacket } from '../../protocols/link/types.js';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../protocols/link/types.js';
import { AnalyzerGuard } from './analyzer-guard.js';
import { endpointText, firstSenderIsOrig, flowKey } from './flow-key.js';
import { newFlowStats, type FlowStats } from './flow-stats.js';
import { HeldBudget } from './held-budget.js';
import { TcpConnection } from './tcp-connection.js';

/**
 * Creates the analyzer for a new connection, or null to ignore its payload
 * (the connection is still tracked, cheaply: nothing is held or delivered).
 * `conn` stays live: its endpoints' `mac` may be filled in by later packets.
 */
export type AnalyzerFactory = (conn: ConnectionInfo) => StreamAnalyzer | null;

/** Tuning and caps of the flow table. Times are capture-time seconds. */
export interface FlowTableOptions {
  /** A connection with no packet for this long is ended with reason 'idle'. Default 300 s. */
  idleTimeout?: number;
  /** Most connections tracked at once; the least recently active is evicted past it. Default 262144. */
  maxFlows?: number;
  /** Most out-of-order bytes held per direction. Default 2 MiB. */
  maxHeldBytesPerDirection?: number;
  /** Most out-of-order bytes held across all connections. Default 128 MiB. */
  maxHeldBytesTotal?: number;
  /** How long a closed connection's ports are remembered (TIME_WAIT-like). Default 60 s. */
  closedMemory?: number;
  /** Most closed connections remembered. Default 65536. */
  maxClosedMemory?: number;
  /** Called with every UDP packet (for DHCP and friends); the payload is a view, valid during the call. */
  onUdp?: (pkt: DecodedPacket) => void;
  /**
   * Let analyzers pass over bytes they would not read (StreamAnalyzer.skip),
   * e.g. pixel data after the equipment tags. Default true; false delivers
   * every byte through data(), which the tests use to show both give the
   * same results.
   */
  bypass?: boolean;
}

/** Most recently active entries skipped per eviction for the flow cap. */
const SECOND_CHANCES = 16;

const DEFAULTS = {
  idleTimeout: 300,
  maxFlows: 262_144,
  maxHeldBytesPerDirection: 2 * 1024 * 1024,
  maxHeldBytesTotal: 128 * 1024 * 1024,
  closedMemory: 60,
  maxClosedMemory: 65_536,
  bypass: true,
};

/**
 * Tracks TCP connections from decoded packets and feeds each connection's
 * analyzer in-order bytes, gaps and ends.
 *
 * Memory is bounded by caps, each counted when hit: `maxFlows` connections,
 * `maxHeldBytesPerDirection` and `maxHeldBytesTotal` out-of-order bytes (a
 * hole is given up as a gap rather than held past a cap). Per packet the work
 * is one Map lookup plus, at most once per `orderGranularity` of capture time,
 * a delete/insert that moves the connection to the back of the Map's
 * insertion order. That order is therefore least-recently-active first
 * (to within the granularity), which gives both idle eviction (sweep from the
 * front until a fresh entry) and LRU eviction on overflow in O(1) amortised.
 *
 * A connection given a second chance on overflow is moved with the current
 * time, so its idle eviction may come up to one idle timeout late.
 *
 * Closed connections (both FINs delivered, or an RST) are ended and freed at
 * once; their key is remembered for `closedMemory` seconds so the final ACK
 * and late retransmissions do not open a new mid-stream connection. A SYN on
 * a remembered key is a new connection and is let through.
 *
 * Time is capture time: the table's clock is the highest packet timestamp
 * seen, so a slightly out-of-order timestamp never moves it backwards.
 */
export class FlowTable {
  /** Counters; read at any time. */
  readonly stats: FlowStats = newFlowStats();
  private readonly flows = new Map<string, TcpConnection>();
  /** Recently closed keys, in closing order, with the time they may be forgotten. */
  private readonly closed = new Map<string, number>();
  private readonly budget: HeldBudget;
  private readonly opts: Required<Omit<FlowTableOptions, 'onUdp'>>;
  private readonly onUdp: ((pkt: DecodedPacket) => void) | null;
  private readonly orderGranularity: number;
  private now = -Infinity;
  private nextSweep = -Infinity;
  private nextId = 1;
  /**
   * The connection of the previous TCP packet. Bulk transfers (a C-STORE of
   * a CT series) are long runs of one connection's data and ACKs, so most
   * packets match it by comparing their endpoints (address texts come from
   * the decoder's cache: usually the same string objects) instead of building
   * and hashing a key. Always a connection that is in `flows`, or null.
   */
  private last: TcpConnection | null = null;

  constructor(
    private readonly factory: AnalyzerFactory,
    options: FlowTableOptions = {},
  ) {
    this.opts = {
      // A zero timeout would end every connection before its own packet.
      idleTimeout: Math.max(0.001, options.idleTimeout ?? DEFAULTS.idleTimeout),
      maxFlows: Math.max(1, options.maxFlows ?? DEFAULTS.maxFlows),
      maxHeldBytesPerDirection: options.maxHeldBytesPerDirection ?? DEFAULTS.maxHeldBytesPerDirection,
      maxHeldBytesTotal: options.maxHeldBytesTotal ?? DEFAULTS.maxHeldBytesTotal,
      closedMemory: options.closedMemory ?? DEFAULTS.closedMemory,
      maxClosedMemory: options.maxClosedMemory ?? DEFAULTS.maxClosedMemory,
      bypass: options.bypass ?? DEFAULTS.bypass,
    };
    this.onUdp = options.onUdp ?? null;
    this.budget = new HeldBudget(this.opts.maxHeldBytesTotal, this.stats);
    this.orderGranularity = Math.min(1, this.opts.idleTimeout / 8);
  }

  /** Connections tracked right now. */
  get size(): number {
    return this.flows.size;
  }

  /** Feed one decoded packet. Never throws on bad input: oddities are counted. */
  packet(pkt: DecodedPacket): void {
    const stats = this.stats;
    stats.packets++;
    if (pkt.ts > this.now) this.now = pkt.ts;
    const now = this.now;
    if (now >= this.nextSweep) this.sweep(now);
    if (pkt.fragment) {
      stats.fragments++;
      return;
    }
    if (pkt.ipProto === 17) {
      stats.udpPackets++;
      if (this.onUdp !== null) this.onUdp(pkt);
      return;
    }
    if (pkt.ipProto !== 6) {
      stats.otherPackets++;
      return;
    }
    stats.tcpPackets++;
    const tcp = pkt.tcp;
    if (tcp === null) {
      stats.malformed++;
      return;
    }
    const flags = tcp.flags;
    let key: string;
    let conn: TcpConnection | undefined;
    const last = this.last;
    if (last !== null && last.hasEndpoints(pkt)) {
      conn = last;
      key = last.key;
    } else {
      key = flowKey(pkt);
      conn = this.flows.get(key);
    }
    if (conn !== undefined && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && conn.isNewConnection(pkt, tcp)) {
      // Same ports, new handshake: the old connection is over.
      stats.flowsEvicted.portReuse++;
      this.remove(conn, 'evicted', pkt.ts, false);
      conn = undefined;
    }
    if (conn === undefined) {
      if (this.closed.has(key)) {
        if ((flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) {
          stats.lateAfterClose++;
          return;
        }
        this.closed.delete(key);
      }
      if (flags & TCP_RST) {
        stats.strayResets++;
        return;
      }
      conn = this.create(key, pkt, flags, now);
    } else if (now - conn.orderTs >= this.orderGranularity) {
      this.flows.delete(key);
      this.flows.set(key, conn);
      conn.orderTs = now;
    }
    this.last = conn;
    if (conn.packet(pkt, tcp, now)) this.remove(conn, conn.reset ? 'rst' : 'fin', pkt.ts, true);
  }

  /**
   * Advance the clock without a packet (a quiet live interface): connections
   * idle longer than the timeout are ended.
   */
  advance(ts: number): void {
    if (ts > this.now) this.now = ts;
    this.sweep(this.now);
  }

  /** End of capture: every connection is ended with reason 'eof' and freed. */
  flush(ts: number): void {
    if (ts > this.now) this.now = ts;
    for (const conn of this.flows.values()) {
      conn.finish('eof', ts);
      this.stats.flowsClosed.eof++;
    }
    this.stats.flowsActive -= this.flows.size;
    this.flows.clear();
    this.last = null;
    this.closed.clear();
  }

  private create(key: string, pkt: DecodedPacket, flags: number, now: number): TcpConnection {
    const stats = this.stats;
    if (this.flows.size >= this.opts.maxFlows) {
      // The front of the Map is the least recently moved connection. The order
      // is only refreshed once per granularity, so under heavy churn (a scan)
      // the front can hold a connection that is still talking: give such
      // entries a second chance (CLOCK-style) before evicting, a bounded number
      // of times so one insertion never walks the whole table.
      let victim = this.flows.values().next().value as TcpConnection;
      for (let tries = 0; tries < SECOND_CHANCES && victim.lastTs > victim.orderTs; tries++) {
        this.flows.delete(victim.key);
        this.flows.set(victim.key, victim);
        victim.orderTs = now;
        victim = this.flows.values().next().value as TcpConnection;
      }
      stats.capHits.flows++;
      stats.flowsEvicted.flowCap++;
      this.remove(victim, 'evicted', pkt.ts, false);
    }
    const fromOrig = firstSenderIsOrig(pkt, flags);
    const handshakeSeen = (flags & TCP_SYN) !== 0;
    if (!handshakeSeen) stats.midstreamJoins++;
    const orig = fromOrig
      ? { ip: pkt.srcIp, port: pkt.srcPort, mac: pkt.srcMac }
      : { ip: pkt.dstIp, port: pkt.dstPort, mac: pkt.dstMac };
    const resp = fromOrig
      ? { ip: pkt.dstIp, port: pkt.dstPort, mac: pkt.dstMac }
      : { ip: pkt.srcIp, port: pkt.srcPort, mac: pkt.srcMac };
    const info: ConnectionInfo = {
      id: `tcp:${endpointText(orig.ip, orig.port)}-${endpointText(resp.ip, resp.port)}#${this.nextId++}`,
      orig,
      resp,
      handshakeSeen,
    };
    let analyzer: StreamAnalyzer | null = null;
    try {
      analyzer = this.factory(info);
    } catch {
      stats.analyzerErrors++;
    }
    const guard = new AnalyzerGuard(analyzer, stats, this.opts.bypass);
    const conn = new TcpConnection(
      key,
      info,
      fromOrig,
      guard,
      this.budget,
      stats,
      this.opts.maxHeldBytesPerDirection,
      now,
    );
    this.flows.set(key, conn);
    stats.flowsCreated++;
    stats.flowsActive++;
    return conn;
  }

  /** End (if not already) and free a connection; `remember` keeps its key for late packets. */
  private remove(conn: TcpConnection, reason: EndReason, ts: number, remember: boolean): void {
    if (this.last === conn) this.last = null;
    conn.finish(reason, ts);
    if (this.flows.get(conn.key) === conn) {
      this.flows.delete(conn.key);
      this.stats.flowsActive--;
    }
    if (reason === 'fin') this.stats.flowsClosed.fin++;
    else if (reason === 'rst') this.stats.flowsClosed.rst++;
    if (remember && this.opts.closedMemory > 0) {
      const closed = this.closed;
      closed.delete(conn.key);
      if (closed.size >= this.opts.maxClosedMemory) closed.delete(closed.keys().next().value as string);
      closed.set(conn.key, this.now + this.opts.closedMemory);
    }
  }

  /**
   * Idle eviction from the front of the order. `orderTs` only ever takes the
   * table clock, so the Map is sorted by it, and every entry's `lastTs` is
   * less than one granularity past its `orderTs`. The first entry that is not
   * idle therefore ends the sweep: the rest are at most one granularity from
   * expiring, and the next sweep (one granularity later) takes them.
   */
  private sweep(now: number): void {
    this.nextSweep = now + this.orderGranularity;
    const deadline = now - this.opts.idleTimeout;
    for (const conn of this.flows.values()) {
      if (conn.lastTs > deadline) break;
      this.stats.flowsEvicted.idle++;
      this.remove(conn, 'idle', now, false);
    }
    for (const [key, until] of this.closed) {
      if (until > now) break;
      this.closed.delete(key);
    }
  }
}
