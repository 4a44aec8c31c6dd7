/**
 * Decides which protocol a TCP connection speaks, by content, on any port.
 *
 * Each direction's chunk starts are candidate message boundaries (a sender
 * usually starts a PDU or frame at a segment start). The registered probes
 * look at each candidate until one matches, which also recognises a
 * connection the capture joined in the middle. Bytes held while probing are
 * copies (chunks are only valid during the call) and capped; once a protocol
 * matches, the held bytes are replayed into its analyzer and the dispatcher
 * steps out of the way.
 */
import type {
  ConnectionInfo,
  Direction,
  EndReason,
  EventBase,
  Probe,
  StreamAnalyzer,
} from '../../protocols/common/analyzer.js';

export interface ProtocolRegistration {
  name: string;
  probe: Probe;
  create(conn: ConnectionInfo, emit: (e: EventBase) => void): StreamAnalyzer;
}

export interface DispatcherOptions {
  /** Bytes of one candidate held while a probe says 'need-more'. */
  maxProbeBytes?: number;
  /** Candidates (chunk starts) tried per connection before giving up. */
  maxCandidates?: number;
}

export interface DispatcherStats {
  connections: number;
  identified: Record<string, number>;
  unidentified: number;
  midstreamIdentified: number;
}

type OnEvent = (conn: ConnectionInfo, event: EventBase) => void;

interface Pending {
  chunks: Buffer[];
  bytes: number;
  /** Bytes of this direction that went past without being kept. */
  skipped: number;
  /** Whether the current candidate started at the first byte of the direction. */
  fromStart: boolean;
}

/**
 * Build the analyzer factory the flow table calls for each new connection.
 */
export function createDispatcher(
  registry: ProtocolRegistration[],
  onEvent: OnEvent,
  opts: DispatcherOptions = {},
): { factory: (conn: ConnectionInfo) => StreamAnalyzer; stats: DispatcherStats } {
  const maxProbeBytes = opts.maxProbeBytes ?? 8192;
  const maxCandidates = opts.maxCandidates ?? 64;
  const stats: DispatcherStats = { connections: 0, identified: {}, unidentified: 0, midstreamIdentified: 0 };

  const factory = (conn: ConnectionInfo): StreamAnalyzer => {
    stats.connections++;
    let inner: StreamAnalyzer | null = null;
    let gaveUp = false;
    let candidates = 0;
    const pending: Record<Direction, Pending> = {
      orig: { chunks: [], bytes: 0, skipped: 0, fromStart: true },
      resp: { chunks: [], bytes: 0, skipped: 0, fromStart: true },
    };

    const drop = (p: Pending): void => {
      p.skipped += p.bytes;
      p.chunks = [];
      p.bytes = 0;
      p.fromStart = false;
    };

    const attach = (reg: ProtocolRegistration, dir: Direction, current: Buffer, ts: number): void => {
      inner = reg.create(conn, (e) => onEvent(conn, e));
      stats.identified[reg.name] = (stats.identified[reg.name] ?? 0) + 1;
      const p = pending[dir];
      if (!p.fromStart || !conn.handshakeSeen) stats.midstreamIdentified++;
      const other: Direction = dir === 'orig' ? 'resp' : 'orig';
      const o = pending[other];
      // The other direction's held bytes may be a valid start too: replay them.
      if (o.skipped > 0) inner.gap(other, o.skipped, ts);
      for (const c of o.chunks) inner.data(other, c, ts);
      if (p.skipped > 0) inner.gap(dir, p.skipped, ts);
      for (const c of p.chunks) inner.data(dir, c, ts);
      inner.data(dir, current, ts);
      pending.orig.chunks = pending.resp.chunks = [];
    };

    const tryProbe = (dir: Direction, chunk: Buffer, ts: number): void => {
      const p = pending[dir];
      if (p.bytes === 0) {
        candidates++;
        if (candidates > maxCandidates) {
          gaveUp = true;
          stats.unidentified++;
          pending.orig.chunks = pending.resp.chunks = [];
          return;
        }
      }
      const view = p.bytes === 0 ? chunk : Buffer.concat([...p.chunks, chunk], p.bytes + chunk.length); // small: capped by maxProbeBytes
      let waiting = false;
      for (const reg of registry) {
        const verdict = reg.probe(view);
        if (verdict === 'match') {
          attach(reg, dir, chunk, ts);
          return;
        }
        if (verdict === 'need-more') waiting = true;
      }
      if (waiting && p.bytes + chunk.length <= maxProbeBytes) {
        p.chunks.push(Buffer.from(chunk));
        p.bytes += chunk.length;
        return;
      }
      drop(p);
      p.skipped += chunk.length;
    };

    return {
      data(dir: Direction, chunk: Buffer, ts: number): number | void {
        if (inner) return inner.data(dir, chunk, ts);
        if (gaveUp || chunk.length === 0) return;
        tryProbe(dir, chunk, ts);
      },
      // Only after the analyzer itself allowed it (data() answered), so `inner` is set.
      skip(dir: Direction, length: number, ts: number): number {
        return inner?.skip?.(dir, length, ts) ?? 0;
      },
      gap(dir: Direction, length: number, ts: number): void {
        if (inner) return inner.gap(dir, length, ts);
        const p = pending[dir];
        drop(p);
        p.skipped += length;
      },
      end(dir: Direction, reason: EndReason, ts: number): void {
        if (inner) inner.end(dir, reason, ts);
      },
    };
  };

  return { factory, stats };
}
