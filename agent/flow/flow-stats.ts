/**
 * Counters of the flow table. Every cap hit, eviction and anomaly is counted
 * here (STYLE habit 4): a SPAN port that drops packets shows up as gaps, a
 * table that is too small shows up as evictions.
 */
export interface FlowStats {
  /** Every packet handed to the table. */
  packets: number;
  tcpPackets: number;
  udpPackets: number;
  /** Neither TCP nor UDP (ICMP, ...): not ours, just counted. */
  otherPackets: number;
  /** IP fragments: not reassembled, skipped. */
  fragments: number;
  /** Packets that claim TCP but carry no TCP header. */
  malformed: number;
  flowsCreated: number;
  flowsActive: number;
  /** Flows that were forced out, by reason. */
  flowsEvicted: { idle: number; flowCap: number; portReuse: number };
  /** Flows that ended normally, by reason. */
  flowsClosed: { fin: number; rst: number; eof: number };
  /** Flows created without seeing a SYN or SYN-ACK. */
  midstreamJoins: number;
  /** Holes the capture could not fill, and the bytes in them. */
  gaps: number;
  gapBytes: number;
  /** Bytes delivered to analyzers (in order, excluding gaps). */
  bytesDelivered: number;
  /** Bytes seen again (retransmissions, overlaps, duplicated packets) and dropped. */
  retransmittedBytes: number;
  /** Segments that arrived ahead of a hole and were held. */
  outOfOrderSegments: number;
  /** Out-of-order bytes held right now across all flows, and the highest it has been. */
  bytesHeld: number;
  bytesHeldPeak: number;
  /** How many times each cap forced something: a flow evicted, a hole given up as a gap. */
  capHits: { flows: number; perFlowBytes: number; totalBytes: number };
  /** Payload bytes after a FIN (or after the direction ended), dropped. */
  dataAfterFin: number;
  /** Segments more than 2^30 bytes ahead of the stream (impossible in TCP), dropped. */
  implausibleSegments: number;
  /** Packets for a recently closed connection (late retransmissions, last ACKs), dropped. */
  lateAfterClose: number;
  /** RSTs for connections we do not know: no flow is created for them. */
  strayResets: number;
  /** Exceptions thrown by analyzers; the analyzer is detached from its flow. */
  analyzerErrors: number;
}

/** A zeroed stats object. */
export function newFlowStats(): FlowStats {
  return {
    packets: 0,
    tcpPackets: 0,
    udpPackets: 0,
    otherPackets: 0,
    fragments: 0,
    malformed: 0,
    flowsCreated: 0,
    flowsActive: 0,
    flowsEvicted: { idle: 0, flowCap: 0, portReuse: 0 },
    flowsClosed: { fin: 0, rst: 0, eof: 0 },
    midstreamJoins: 0,
    gaps: 0,
    gapBytes: 0,
    bytesDelivered: 0,
    retransmittedBytes: 0,
    outOfOrderSegments: 0,
    bytesHeld: 0,
    bytesHeldPeak: 0,
    capHits: { flows: 0, perFlowBytes: 0, totalBytes: 0 },
    dataAfterFin: 0,
    implausibleSegments: 0,
    lateAfterClose: 0,
    strayResets: 0,
    analyzerErrors: 0,
  };
}
