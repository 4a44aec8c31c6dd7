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
import { createDicomAnalyzer, dicomProbe } from '../protocols/dicom/index.js';
import { createHl7Analyzer, hl7Probe } from '../protocols/hl7/index.js';
import type { Hl7StreamStats } from '../protocols/hl7/events.js';
import type { DicomStreamStats } from '../protocols/dicom/events.js';
import { decodeFrameInto, newPacketScratch } from '../protocols/link/decode.js';
import type { DecodedPacket } from '../protocols/link/types.js';
import { createDispatcher, type ProtocolRegistration } from './dispatch/protocol-dispatcher.js';
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
        skip: (dir, length, ts) => analyzer.skip?.(dir, length, ts) ?? 0,
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
const UDP_CONN: ConnectionInfo = {
  id: 'udp',
  orig: { ip: '', port: 0, mac: null },
  resp: { ip: '', port: 0, mac: null },
  handshakeSeen: false,
};

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

export class Pipeline {
  readonly inventory: Inventory;
  private readonly flows: FlowTable;
  private readonly dicom: DicomObserver;
  private readonly hl7: Hl7Observer;
  private readonly dhcp: DhcpObserver;
  private readonly dispatcherStats: ReturnType<typeof createDispatcher>['stats'];
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
  /**
   * Every frame is decoded into this one packet: the flow table and the DHCP
   * observer copy out what they keep (addresses, ports, flags), and payload
   * bytes are only read during the call, so nothing refers to it afterwards.
   */
  private readonly scratch = newPacketScratch();

  constructor(opts: PipelineOptions = {}) {
    this.inventory = new Inventory(opts.inventory);
    this.dicom = new DicomObserver(this.inventory);
    this.hl7 = new Hl7Observer(this.inventory);
    this.dhcp = new DhcpObserver(this.inventory);
    const observe = opts.observe ?? true;
    const onEvent = (conn: ConnectionInfo, e: EventBase): void => {
      opts.onEvent?.(conn, e);
      if (!observe) return;
      const protocol = (e as EventBase & { protocol?: string }).protocol;
      if (protocol === 'dicom') this.dicom.observe(conn, e);
      else if (protocol === 'hl7') this.hl7.observe(conn, e);
    };
    const registry: ProtocolRegistration[] = [
      counted('dicom', dicomProbe, (emit) => createDicomAnalyzer(emit as never), this.dicomCounters),
      counted('hl7', hl7Probe, (emit) => createHl7Analyzer(emit as never), this.hl7Counters),
    ];
    const dispatcher = createDispatcher(registry, onEvent);
    this.dispatcherStats = dispatcher.stats;
    const onUdp = (pkt: DecodedPacket): void => {
      // RFC 2131 §4.1: DHCP runs between UDP ports 67 and 68.
      if (pkt.srcPort !== 67 && pkt.srcPort !== 68 && pkt.dstPort !== 67 && pkt.dstPort !== 68) return;
      for (const ev of dhcpEventFromPacket(pkt)) {
        opts.onEvent?.(UDP_CONN, ev);
        if (observe) this.dhcp.observe(ev);
      }
    };
    this.flows = new FlowTable(dispatcher.factory, { ...opts.flows, onUdp });
  }

  /** One captured frame. `frame` is only read during the call. */
  packet(linkType: number, frame: Buffer, ts: number, origLen: number): void {
    this.packetAt(linkType, frame, 0, frame.length, ts, origLen);
  }

  /** One captured frame stored at `buf[start, end)` (a capture batch: `PacketBatch.forEachAt`); only read during the call. */
  packetAt(linkType: number, buf: Buffer, start: number, end: number, ts: number, origLen: number): void {
    this.packets++;
    this.bytes += origLen;
    if (ts > this.lastTs) this.lastTs = ts;
    const scratch = this.scratch;
    const err = decodeFrameInto(linkType, buf, start, end, ts, scratch);
    if (err !== null) {
      this.decodeFailures[err.reason] = (this.decodeFailures[err.reason] ?? 0) + 1;
      return;
    }
    this.flows.packet(scratch.packet);
  }

  /** End of capture: flush every flow, then build the report. */
  finish(): InventoryReport {
    this.flows.flush(this.lastTs);
    this.dicomCounters.retireAll();
    this.hl7Counters.retireAll();
    return { devices: this.inventory.report(), findings: [], stats: this.stats() };
  }

  /** Counters for the report. The first six names are fixed by the JSON shape. */
  stats(): InventoryStats {
    const f = this.flows.stats;
    const decodeMalformed = (this.decodeFailures['truncated'] ?? 0) + (this.decodeFailures['malformed'] ?? 0);
    const flowCaps = f.capHits.flows + f.capHits.perFlowBytes + f.capHits.totalBytes;
    const invCaps = this.inventory.stats.devicesDropped + this.inventory.stats.evidenceDropped;
    return {
      packets: this.packets,
      bytes: this.bytes,
      flows: f.flowsCreated,
      malformed: decodeMalformed + f.malformed + this.dicomTotals.malformed + this.hl7Totals.malformed + (this.dhcp.stats.anomalies['malformed'] ?? 0),
      gaps: f.gaps,
      capHits: flowCaps + this.dicomTotals.capHits + this.hl7Totals.capHits + invCaps,
      decode: { ...this.decodeFailures },
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
        connections: this.dispatcherStats.connections,
        identified: { ...this.dispatcherStats.identified },
        midstreamIdentified: this.dispatcherStats.midstreamIdentified,
        unidentified: this.dispatcherStats.unidentified,
      },
      dicom: {
        ...this.dicomTotals,
        events: this.dicom.stats.events,
        equipmentCredited: this.dicom.stats.equipmentCredited,
        equipmentIgnored: this.dicom.stats.equipmentIgnored,
        anomalies: { ...this.dicom.stats.anomalies },
      },
      hl7: {
        ...this.hl7Totals,
        acks: this.hl7.stats.acks,
        gatewayDevices: this.hl7.stats.gatewayDevices,
        anomalies: { ...this.hl7.stats.anomalies },
      },
      dhcp: { ...this.dhcp.stats, anomalies: { ...this.dhcp.stats.anomalies } },
      inventory: { ...this.inventory.stats },
    };
  }
}
