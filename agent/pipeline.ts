/**
 * The passive pipeline, capture-agnostic: frames in, inventory out.
 *
 *   frame ─► decodeFrame ─► FlowTable (TCP reassembly) ─► dispatcher (probe by
 *   content) ─► protocol analyzer ─► events ─► observers ─► Inventory
 *
 * The same object serves `auscult inventory` (a file) and, later, the live
 * agent: it never blocks and never holds a frame after `packet()` returns
 * (except copies the flow table and analyzers make, each under a cap).
 */
import type { ConnectionInfo, EventBase, StreamAnalyzer } from '../protocols/common/analyzer.js';
import { dhcpEventFromPacket } from '../protocols/dhcp/index.js';
import type { DhcpEvent } from '../protocols/dhcp/events.js';
import { createDicomAnalyzer, dicomProbe } from '../protocols/dicom/index.js';
import { createHl7Analyzer, hl7Probe } from '../protocols/hl7/index.js';
import type { Hl7StreamStats } from '../protocols/hl7/events.js';
import type { DicomStreamStats } from '../protocols/dicom/events.js';
import { decodeFrameAt } from '../protocols/link/decode.js';
import type { DecodedPacket } from '../protocols/link/types.js';
import { createDispatcher, type DispatcherStats, type ProtocolRegistration } from './dispatch/protocol-dispatcher.js';
import type { FlowStats } from './flow/flow-stats.js';
import { FlowTable, type FlowTableOptions } from './flow/flow-table.js';
import { DhcpObserver } from './inventory/dhcp-observer.js';
import { DicomObserver } from './inventory/dicom-observer.js';
import { Hl7Observer } from './inventory/hl7-observer.js';
import { Inventory, type InventoryOptions } from './inventory/inventory.js';
import type { InventoryReport, InventoryStats } from './inventory/types.js';

/**
 * Per-connection counters of one protocol's analyzers: live while the
 * connection is, folded into the run's totals once when it ends.
 */
class StreamCounters<S> {
  private readonly live = new Set<S>();
  constructor(private readonly fold: (s: S) => void) {}

  add(s: S): void {
    this.live.add(s);
  }

  retire(s: S): void {
    if (this.live.delete(s)) this.fold(s);
  }

  retireAll(): void {
    for (const s of [...this.live]) this.retire(s);
  }
}

/**
 * A protocol's registration whose analyzers' counters are kept: an analyzer's
 * stats are folded into the totals when its connection ends (the responder's
 * direction, or the whole connection on reset, eviction or end of capture).
 */
function counted<S>(
  name: string,
  probe: ProtocolRegistration['probe'],
  make: (emit: (e: EventBase) => void) => StreamAnalyzer & { stats: S },
  counters: StreamCounters<S>,
): ProtocolRegistration {
  return {
    name,
    probe,
    create: (_conn, emit) => {
      const analyzer = make(emit);
      counters.add(analyzer.stats);
      return {
        data: (dir, chunk, ts) => analyzer.data(dir, chunk, ts),
        gap: (dir, length, ts) => analyzer.gap(dir, length, ts),
        end: (dir, reason, ts) => {
          analyzer.end(dir, reason, ts);
          if (dir === 'resp' || reason === 'rst' || reason === 'evicted' || reason === 'eof') counters.retire(analyzer.stats);
        },
      };
    },
  };
}

/** Stand-in connection for events that come from UDP datagrams (no TCP connection). */
export const UDP_CONN: ConnectionInfo = {
  id: 'udp',
  orig: { ip: '', port: 0, mac: null },
  resp: { ip: '', port: 0, mac: null },
  handshakeSeen: false,
};

/**
 * Everything the packet stage counted, as plain data: it crosses from the
 * capture worker to the main thread when the stages run on two threads.
 */
export interface PacketStageCounters {
  packets: number;
  bytes: number;
  decodeFailures: Record<string, number>;
  flows: FlowStats;
  dispatcher: DispatcherStats;
  dicom: { pdus: number; malformed: number; capHits: number; resyncs: number; gaps: number };
  hl7: { frames: number; messages: number; malformed: number; capHits: number; resyncs: number; gaps: number };
}

export interface PacketStageOptions {
  flows?: FlowTableOptions;
  /** Every DICOM and HL7 event, with its connection. */
  onEvent: (conn: ConnectionInfo, event: EventBase) => void;
  /** Every DHCP event (UDP: no connection). */
  onDhcp: (event: DhcpEvent) => void;
}

/**
 * Frames in, protocol events out: decoding, TCP reassembly, protocol
 * dispatch and the DICOM/HL7/DHCP parsers, with their counters. Never holds a
 * frame after `packetAt()` returns (only copies the flow table and analyzers
 * make, each under a cap). Runs in the capture worker when the stages are
 * split across two threads (`auscult inventory`), else inside `Pipeline`.
 */
export class PacketStage {
  private readonly flows: FlowTable;
  private readonly dispatcherStats: DispatcherStats;
  /** DICOM stream counters summed over connections (folded in as analyzers end). */
  private readonly dicomTotals = { pdus: 0, malformed: 0, capHits: 0, resyncs: 0, gaps: 0 };
  private readonly dicomCounters = new StreamCounters<DicomStreamStats>((s) => {
    const t = this.dicomTotals;
    t.pdus += Object.values(s.pdus).reduce((a, b) => a + b, 0);
    t.malformed += s.malformed;
    t.capHits += s.capHits;
    t.resyncs += s.resyncs;
    t.gaps += s.gaps;
  });
  /** HL7 stream counters, summed the same way. */
  private readonly hl7Totals = { frames: 0, messages: 0, malformed: 0, capHits: 0, resyncs: 0, gaps: 0 };
  private readonly hl7Counters = new StreamCounters<Hl7StreamStats>((s) => {
    const t = this.hl7Totals;
    t.frames += s.frames;
    t.messages += s.messages;
    t.malformed += s.malformed;
    t.capHits += s.capHits;
    t.resyncs += s.resyncs;
    t.gaps += s.gaps;
  });
  private packets = 0;
  private bytes = 0;
  private lastTs = 0;
  private readonly decodeFailures: Record<string, number> = {};

  constructor(opts: PacketStageOptions) {
    const registry: ProtocolRegistration[] = [
      counted('dicom', dicomProbe, (emit) => createDicomAnalyzer(emit as never), this.dicomCounters),
      counted('hl7', hl7Probe, (emit) => createHl7Analyzer(emit as never), this.hl7Counters),
    ];
    const dispatcher = createDispatcher(registry, opts.onEvent);
    this.dispatcherStats = dispatcher.stats;
    const onDhcp = opts.onDhcp;
    const onUdp = (pkt: DecodedPacket): void => {
      // RFC 2131 §4.1: DHCP runs between UDP ports 67 and 68.
      if (pkt.srcPort !== 67 && pkt.srcPort !== 68 && pkt.dstPort !== 67 && pkt.dstPort !== 68) return;
      for (const ev of dhcpEventFromPacket(pkt)) onDhcp(ev);
    };
    this.flows = new FlowTable(dispatcher.factory, { ...opts.flows, onUdp });
  }

  /** One captured frame stored at `buf[start, end)`; only read during the call. */
  packetAt(linkType: number, buf: Buffer, start: number, end: number, ts: number, origLen: number): void {
    this.packets++;
    this.bytes += origLen;
    if (ts > this.lastTs) this.lastTs = ts;
    const r = decodeFrameAt(linkType, buf, start, end, ts);
    if (!r.ok) {
      this.decodeFailures[r.reason] = (this.decodeFailures[r.reason] ?? 0) + 1;
      return;
    }
    this.flows.packet(r.packet);
  }

  /** End of capture: every flow is flushed (its last events emitted) and every analyzer's counters folded in. */
  finish(): void {
    this.flows.flush(this.lastTs);
    this.dicomCounters.retireAll();
    this.hl7Counters.retireAll();
  }

  /** A copy of the counters (plain data). */
  counters(): PacketStageCounters {
    const f = this.flows.stats;
    return {
      packets: this.packets,
      bytes: this.bytes,
      decodeFailures: { ...this.decodeFailures },
      flows: { ...f, flowsEvicted: { ...f.flowsEvicted }, flowsClosed: { ...f.flowsClosed }, capHits: { ...f.capHits } },
      dispatcher: { ...this.dispatcherStats, identified: { ...this.dispatcherStats.identified } },
      dicom: { ...this.dicomTotals },
      hl7: { ...this.hl7Totals },
    };
  }
}

/**
 * Protocol events in, inventory out: the DICOM, HL7 and DHCP observers and
 * the inventory they fill. Always on the main thread.
 */
export class ObserveStage {
  readonly inventory: Inventory;
  private readonly dicom: DicomObserver;
  private readonly hl7: Hl7Observer;
  private readonly dhcp: DhcpObserver;

  constructor(opts: InventoryOptions = {}) {
    this.inventory = new Inventory(opts);
    this.dicom = new DicomObserver(this.inventory);
    this.hl7 = new Hl7Observer(this.inventory);
    this.dhcp = new DhcpObserver(this.inventory);
  }

  /** A DICOM or HL7 event of `conn`. */
  event(conn: ConnectionInfo, e: EventBase): void {
    const protocol = (e as EventBase & { protocol?: string }).protocol;
    if (protocol === 'dicom') this.dicom.observe(conn, e);
    else if (protocol === 'hl7') this.hl7.observe(conn, e);
  }

  dhcpEvent(e: DhcpEvent): void {
    this.dhcp.observe(e);
  }

  /** Counters for the report, from the packet stage's and the observers'. The first six names are fixed by the JSON shape. */
  stats(c: PacketStageCounters): InventoryStats {
    const f = c.flows;
    const decodeMalformed = (c.decodeFailures['truncated'] ?? 0) + (c.decodeFailures['malformed'] ?? 0);
    const flowCaps = f.capHits.flows + f.capHits.perFlowBytes + f.capHits.totalBytes;
    const invCaps = this.inventory.stats.devicesDropped + this.inventory.stats.evidenceDropped;
    return {
      packets: c.packets,
      bytes: c.bytes,
      flows: f.flowsCreated,
      malformed: decodeMalformed + f.malformed + c.dicom.malformed + c.hl7.malformed + (this.dhcp.stats.anomalies['malformed'] ?? 0),
      gaps: f.gaps,
      capHits: flowCaps + c.dicom.capHits + c.hl7.capHits + invCaps,
      decode: { ...c.decodeFailures },
      tcp: {
        packets: f.tcpPackets,
        flowsActive: f.flowsActive,
        flowsEvicted: { ...f.flowsEvicted },
        flowsClosed: { ...f.flowsClosed },
        midstreamJoins: f.midstreamJoins,
        gapBytes: f.gapBytes,
        retransmittedBytes: f.retransmittedBytes,
        outOfOrderSegments: f.outOfOrderSegments,
        bytesHeldPeak: f.bytesHeldPeak,
        capHits: { ...f.capHits },
      },
      protocols: {
        connections: c.dispatcher.connections,
        identified: { ...c.dispatcher.identified },
        midstreamIdentified: c.dispatcher.midstreamIdentified,
        unidentified: c.dispatcher.unidentified,
      },
      dicom: {
        ...c.dicom,
        events: this.dicom.stats.events,
        equipmentCredited: this.dicom.stats.equipmentCredited,
        equipmentIgnored: this.dicom.stats.equipmentIgnored,
        anomalies: { ...this.dicom.stats.anomalies },
      },
      hl7: {
        ...c.hl7,
        acks: this.hl7.stats.acks,
        gatewayDevices: this.hl7.stats.gatewayDevices,
        anomalies: { ...this.hl7.stats.anomalies },
      },
      dhcp: { ...this.dhcp.stats, anomalies: { ...this.dhcp.stats.anomalies } },
      inventory: { ...this.inventory.stats },
    };
  }
}

export interface PipelineOptions {
  flows?: FlowTableOptions;
  inventory?: InventoryOptions;
  /** Called with every protocol event (tests, debugging). Events are PHI-free. */
  onEvent?: (conn: ConnectionInfo, event: EventBase) => void;
  /**
   * Turn events into inventory observations (default true). False leaves the
   * inventory empty: the benchmark uses it to measure the stages apart.
   */
  observe?: boolean;
}

/** Both stages on one thread: the live agent, tests, and anything fed frame by frame. */
export class Pipeline {
  private readonly packets: PacketStage;
  private readonly observers: ObserveStage;

  constructor(opts: PipelineOptions = {}) {
    const observers = new ObserveStage(opts.inventory);
    this.observers = observers;
    const observe = opts.observe ?? true;
    const onEvent = opts.onEvent;
    this.packets = new PacketStage({
      flows: opts.flows,
      onEvent: (conn, e) => {
        onEvent?.(conn, e);
        if (observe) observers.event(conn, e);
      },
      onDhcp: (e) => {
        onEvent?.(UDP_CONN, e);
        if (observe) observers.dhcpEvent(e);
      },
    });
  }

  get inventory(): Inventory {
    return this.observers.inventory;
  }

  /** One captured frame. `frame` is only read during the call. */
  packet(linkType: number, frame: Buffer, ts: number, origLen: number): void {
    this.packets.packetAt(linkType, frame, 0, frame.length, ts, origLen);
  }

  /** One captured frame stored at `buf[start, end)` (a capture batch: `PacketBatch.forEachAt`); only read during the call. */
  packetAt(linkType: number, buf: Buffer, start: number, end: number, ts: number, origLen: number): void {
    this.packets.packetAt(linkType, buf, start, end, ts, origLen);
  }

  /** End of capture: flush every flow, then build the report. */
  finish(): InventoryReport {
    this.packets.finish();
    return { devices: this.inventory.report(), findings: [], stats: this.stats() };
  }

  /** Counters for the report. */
  stats(): InventoryStats {
    return this.observers.stats(this.packets.counters());
  }
}
