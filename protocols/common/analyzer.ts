/**
 * The contract between the TCP reassembler and a protocol's stream analyzer.
 *
 * One analyzer instance serves one TCP connection (both directions). The
 * reassembler calls it with in-order bytes per direction, tells it about gaps
 * (bytes the capture lost, never delivered) and about each direction's end.
 *
 * Chunk lifetime: a chunk passed to `data()` is only guaranteed valid during
 * the call (same rule as libpcap's packet buffer). An analyzer that needs
 * bytes after it returns must copy them, and must count what it keeps against
 * its own cap.
 */

/** `orig` is the side that opened the connection (sent the SYN), or the
 *  first sender seen when the capture joined the connection mid-stream. */
export type Direction = 'orig' | 'resp';

export interface Endpoint {
  ip: string;
  port: number;
  /** Source MAC as seen on the wire for packets from this endpoint, if the link layer has one. */
  mac: string | null;
}

export interface ConnectionInfo {
  /** Stable id for the connection within one run, e.g. "tcp:10.0.0.1:5000-10.0.0.2:104#3". */
  id: string;
  orig: Endpoint;
  resp: Endpoint;
  /** True when the handshake was seen; false when joined mid-stream (direction is then a guess). */
  handshakeSeen: boolean;
}

export type EndReason = 'fin' | 'rst' | 'idle' | 'evicted' | 'eof';

export interface StreamAnalyzer {
  /**
   * In-order bytes for one direction. May return how many of the bytes that
   * follow in this direction it would pass over unread (the rest of an image
   * it has finished with, say): the caller may then hand up to that many to
   * `skip()` instead, as they arrive. A positive answer needs `skip()`.
   */
  data(dir: Direction, chunk: Buffer, ts: number): number | void;
  /**
   * `length` in-order bytes of `dir`, no more than the last answer of
   * `data()`/`skip()` allowed, went past unread: the analyzer accounts for
   * them exactly as `data()` would have. Returns how many more may be skipped.
   * Zeek and Suricata call this bypass; here it saves a view and a parser
   * call for each full-size packet of pixel data.
   */
  skip?(dir: Direction, length: number, ts: number): number;
  /** `length` bytes were lost before the next `data()` in this direction. */
  gap(dir: Direction, length: number, ts: number): void;
  /** No more bytes will come in this direction. */
  end(dir: Direction, reason: EndReason, ts: number): void;
}

/** What a probe says about the first bytes of a direction. */
export type ProbeVerdict = 'match' | 'no-match' | 'need-more';

/**
 * A protocol's probe: recognises its traffic by content, without a port hint.
 * Called with the first bytes of a direction (possibly fewer than a header).
 */
export type Probe = (firstBytes: Buffer) => ProbeVerdict;

/**
 * Every event a protocol emits carries these. Events are allow-listed
 * projections: plain strings and numbers copied out of the packet, never
 * Buffers, never patient fields.
 */
export interface EventBase {
  type: string;
  ts: number;
  dir: Direction;
}

/** Anomalies are data (STYLE habit 5). */
export interface AnomalyEvent extends EventBase {
  type: 'anomaly';
  protocol: string;
  /** Stable kind: 'malformed' | 'truncated' | 'gap' | 'cap' | 'resync' | ... */
  kind: string;
  detail: string;
}

export type EventSink<E extends EventBase> = (event: E) => void;
