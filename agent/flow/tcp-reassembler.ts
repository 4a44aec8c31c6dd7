import type { Direction, EndReason } from '../../protocols/common/analyzer.js';
import { TCP_FIN, TCP_SYN } from '../../protocols/link/types.js';
import type { AnalyzerGuard } from './analyzer-guard.js';
import type { FlowStats } from './flow-stats.js';
import type { HeldBudget, HeldHolder } from './held-budget.js';
import { MAX_SEQ_AHEAD, seqAdd, seqDiff } from './seq.js';

const EMPTY: Buffer = Buffer.alloc(0);

/** An out-of-order segment, copied (the packet buffer is not ours to keep). */
interface HeldSegment {
  /** Stream offset of the first byte. */
  off: number;
  buf: Buffer;
}

/**
 * One direction of a TCP connection turned into in-order bytes.
 *
 * Positions are kept as stream offsets (a JS number counting bytes since the
 * first byte of the direction, safe far beyond 500 MB images) next to the
 * 32-bit sequence number of the next expected byte; a segment's offset is
 * `nextOff + seqDiff(seq, nextSeq)` (RFC 9293 §3.4, RFC 1982 serial
 * comparison), so sequence wraparound near 2^32 never reaches the held list.
 *
 * Policies:
 * - Start: ISN+1 from a SYN (RFC 9293 §3.4: the SYN occupies one sequence
 *   number); when joined mid-stream, the first segment carrying data sets the
 *   start, and anything before it is treated as a retransmission.
 * - Overlaps: first arrival wins (what most IDSes do, e.g. Suricata's default
 *   "bsd"-like policies for the common case): bytes already delivered or
 *   already held are never replaced; a later segment only fills holes.
 * - In-order segments are delivered as views of the packet, never copied.
 *   Out-of-order segments are copied and held, sorted and non-overlapping.
 * - A hole is given up (reported as `gap`, then held data continues) when:
 *   the held bytes would exceed the per-direction cap or the global budget;
 *   the other side has acknowledged past it (RFC 9293 §3.10.7.4: the peer
 *   only acknowledges what it received, so the capture lost it); or the
 *   direction ends (RST, idle, eviction, end of capture).
 *   An acknowledgement past the next expected byte with nothing held (and no
 *   FIN seen) is only remembered and acted on at the next out-of-order
 *   segment, the FIN, or the end: a mirror port may deliver the ACK a moment
 *   before the data it covers.
 * - FIN: the direction ends once every byte before the FIN has been delivered
 *   or given up; bytes after the FIN's sequence number are dropped. A FIN
 *   with a hole before it waits for the retransmission, the ACK of the FIN,
 *   idle or end of capture.
 */
export class TcpReassembler implements HeldHolder {
  private started = false;
  /** Sequence number of the first data byte as fixed by a SYN, SYN-ACK ack, or -1. */
  private handshakeSeq = -1;
  private nextSeq = 0;
  private nextOff = 0;
  /** Stream offset of the FIN, -1 until one is seen. */
  private finOff = -1;
  /** Highest offset the peer acknowledged that we have not reached, -1 when none. */
  private ackedOff = -1;
  private held: HeldSegment[] | null = null;
  private held_ = 0;
  private ended_: EndReason | null = null;
  /** In-order bytes the analyzer will pass over unread (its last answer); they go to `skip()`, not `data()`. */
  private skippable = 0;

  constructor(
    readonly dir: Direction,
    private readonly sink: AnalyzerGuard,
    private readonly budget: HeldBudget,
    private readonly stats: FlowStats,
    private readonly maxHeld: number,
  ) {}

  /** Out-of-order bytes held right now. */
  get heldBytes(): number {
    return this.held_;
  }

  /** Why this direction ended, or null while it is open. */
  get ended(): EndReason | null {
    return this.ended_;
  }

  /** The first data sequence number fixed by the handshake, or -1. */
  get initialSeq(): number {
    return this.handshakeSeq;
  }

  /** Bytes delivered or given up as gaps so far (the stream position). */
  get position(): number {
    return this.nextOff;
  }

  /**
   * Fix the first data byte from the handshake when our SYN was not seen:
   * a SYN-ACK acknowledges ISN+1 of the other side (RFC 9293 §3.5).
   */
  expect(seq: number): void {
    if (this.started) return;
    this.started = true;
    this.handshakeSeq = seq >>> 0;
    this.nextSeq = seq >>> 0;
  }

  /** One TCP segment sent in this direction. RST is handled by the caller (`finish`). */
  segment(seq: number, flags: number, payload: Buffer, ts: number): void {
    if (this.ended_ !== null) {
      this.stats.dataAfterFin += payload.length;
      return;
    }
    if (this.sink.dead) {
      // Ignored connection or failed analyzer: track only the end, hold nothing.
      if (this.held_ > 0) this.discardHeld();
      if (flags & TCP_FIN) this.endNow('fin', ts);
      return;
    }
    let dataSeq = seq >>> 0;
    if (flags & TCP_SYN) {
      // RFC 9293 §3.4: the SYN consumes one sequence number; data (TCP Fast Open) follows it.
      dataSeq = seqAdd(dataSeq, 1);
      if (!this.started) this.expect(dataSeq);
    } else if (!this.started) {
      if (payload.length === 0) {
        // Mid-stream with no anchor yet: a bare FIN still ends the direction.
        if (flags & TCP_FIN) this.endNow('fin', ts);
        return;
      }
      this.started = true;
      this.nextSeq = dataSeq;
    }
    const off = this.nextOff + seqDiff(dataSeq, this.nextSeq);
    if (payload.length > 0) this.ingest(off, payload, ts);
    if (flags & TCP_FIN && this.ended_ === null) this.noteFin(off + payload.length, ts);
  }

  /**
   * `segment()` for a payload at `source[start, start + length)`, without a
   * view of it when the analyzer passes over all of it (an in-order segment
   * inside the bytes it offered to skip, the common case of bulk image
   * data); any other segment gets its view and takes `segment()`.
   */
  segmentFrom(seq: number, flags: number, source: Buffer, start: number, length: number, ts: number): void {
    if (
      length > 0 &&
      length <= this.skippable &&
      (flags & (TCP_SYN | TCP_FIN)) === 0 &&
      this.started &&
      this.ended_ === null &&
      !this.sink.dead &&
      this.finOff < 0 &&
      (this.held === null || this.held.length === 0) &&
      seq >>> 0 === this.nextSeq
    ) {
      this.nextOff += length;
      this.nextSeq = seqAdd(this.nextSeq, length);
      this.skippable = this.sink.skip(this.dir, length, ts);
      return;
    }
    this.segment(seq, flags, length === 0 ? EMPTY : source.subarray(start, start + length), ts);
  }

  /**
   * The other side acknowledged up to `ackSeq` in this direction. Bytes below
   * it that we never saw were lost by the capture (see class policies).
   */
  ack(ackSeq: number, ts: number): void {
    if (!this.started || this.ended_ !== null || this.sink.dead) return;
    const d = seqDiff(ackSeq >>> 0, this.nextSeq);
    if (d <= 0 || d > MAX_SEQ_AHEAD) return;
    const ackOff = this.nextOff + d;
    if (ackOff > this.ackedOff) this.ackedOff = ackOff;
    // With data held behind the hole, or the FIN already seen, nothing more is
    // coming before the acknowledged point: give it up now. Otherwise wait (see class policies).
    if (this.held_ > 0 || this.finOff >= 0) this.giveUpAcked(Infinity, ts);
  }

  /**
   * End this direction now (RST, idle, eviction, end of capture): every
   * remaining hole becomes a gap, held data is delivered, then `end`.
   * A known FIN reached on the way ends it as 'fin'.
   */
  finish(reason: EndReason, ts: number): void {
    if (this.ended_ !== null) return;
    if (!this.sink.dead) {
      this.releaseHeld(ts);
      if (this.ended_ !== null) return;
      this.giveUpAcked(Infinity, ts);
      if (this.ended_ !== null) return;
      if (this.finOff > this.nextOff && this.started) this.skipTo(this.finOff, ts);
      if (this.ended_ !== null) return;
    } else if (this.held_ > 0) {
      this.discardHeld();
    }
    this.endNow(reason, ts);
  }

  /** Give up every hole that has held data after it (global budget, end of flow). */
  releaseHeld(ts: number): void {
    const held = this.held;
    while (held !== null && held.length > 0 && this.ended_ === null) {
      this.skipTo(held[0]!.off, ts);
    }
  }

  // --- internals ---------------------------------------------------------

  private ingest(off: number, data: Buffer, ts: number): void {
    const stats = this.stats;
    let len = data.length;
    if (this.finOff >= 0 && off + len > this.finOff) {
      const keep = Math.max(0, this.finOff - off);
      stats.dataAfterFin += len - keep;
      if (keep === 0) return;
      data = data.subarray(0, keep);
      len = keep;
    }
    for (;;) {
      if (this.ended_ !== null) return;
      const nextOff = this.nextOff;
      const end = off + len;
      if (end <= nextOff) {
        stats.retransmittedBytes += len;
        return;
      }
      if (off < nextOff) {
        const cut = nextOff - off;
        stats.retransmittedBytes += cut;
        data = data.subarray(cut);
        off = nextOff;
        len -= cut;
      }
      if (off === nextOff) {
        const first = this.held === null ? undefined : this.held[0];
        if (first === undefined || first.off >= end) {
          // The common case: in order, nothing held in the way. No copy.
          this.deliver(data, ts);
          if (first !== undefined || this.finOff >= 0) this.drain(ts);
          return;
        }
        // Fill the hole up to the first held segment (which arrived first and wins).
        this.deliver(data.subarray(0, first.off - off), ts);
        this.drain(ts);
        continue;
      }
      if (off - nextOff > MAX_SEQ_AHEAD) {
        stats.implausibleSegments++;
        return;
      }
      if (this.ackedOff > nextOff) {
        // The peer already acknowledged bytes we never saw: that hole is lost.
        this.giveUpAcked(off, ts);
        continue;
      }
      if (this.held_ + len > this.maxHeld) {
        stats.capHits.perFlowBytes++;
        this.skipFirstHole(off, ts);
        continue;
      }
      if (!this.budget.reserve(this, len, ts)) {
        this.skipFirstHole(off, ts);
        continue;
      }
      stats.outOfOrderSegments++;
      this.insert(off, data);
      return;
    }
  }

  /** Copy the parts of [off, off+len) not already held into the sorted held list. */
  private insert(off: number, data: Buffer): void {
    const held = (this.held ??= []);
    const end = off + data.length;
    let i = held.length;
    // Find the first segment that ends after `off`; the list is short and new
    // segments usually go at its tail, so walk back from the end.
    while (i > 0 && held[i - 1]!.off + held[i - 1]!.buf.length > off) i--;
    let cursor = off;
    let added = 0;
    while (cursor < end) {
      const h = held[i];
      if (h !== undefined && h.off <= cursor) {
        const hEnd = h.off + h.buf.length;
        this.stats.retransmittedBytes += Math.min(end, hEnd) - cursor;
        cursor = hEnd;
        i++;
        continue;
      }
      const limit = h === undefined ? end : Math.min(end, h.off);
      // allocUnsafeSlow: a held piece must not pin a shared 8 KB pool slab,
      // or the byte caps would undercount real memory.
      const piece = Buffer.allocUnsafeSlow(limit - cursor);
      data.copy(piece, 0, cursor - off, limit - off);
      held.splice(i, 0, { off: cursor, buf: piece });
      i++;
      added += piece.length;
      cursor = limit;
    }
    if (added > 0) {
      this.held_ += added;
      this.budget.add(this, added);
    }
  }

  /** Deliver held segments that now start at the next expected byte. */
  private drain(ts: number): void {
    const held = this.held;
    if (held !== null) {
      while (held.length > 0 && held[0]!.off === this.nextOff && this.ended_ === null) {
        const seg = held.shift()!;
        this.held_ -= seg.buf.length;
        this.budget.remove(this, seg.buf.length);
        this.deliver(seg.buf, ts);
      }
    }
    if (this.finOff >= 0 && this.nextOff >= this.finOff && this.ended_ === null) this.endNow('fin', ts);
  }

  private deliver(chunk: Buffer, ts: number): void {
    const len = chunk.length;
    this.nextOff += len;
    this.nextSeq = seqAdd(this.nextSeq, len);
    if (this.skippable === 0) {
      this.skippable = this.sink.data(this.dir, chunk, ts);
      return;
    }
    // The analyzer said it would pass over the next bytes unread: hand them to skip().
    let done = 0;
    while (done < len) {
      const n = Math.min(this.skippable, len - done);
      if (n === 0) {
        this.skippable = this.sink.data(this.dir, done === 0 ? chunk : chunk.subarray(done), ts);
        return;
      }
      this.skippable = this.sink.skip(this.dir, n, ts);
      done += n;
    }
  }

  /** Report the bytes up to `target` as lost, then deliver what follows. */
  private skipTo(target: number, ts: number): void {
    const held = this.held;
    while (this.nextOff < target && this.ended_ === null) {
      const first = held === null ? undefined : held[0];
      if (first !== undefined && first.off === this.nextOff) {
        this.drain(ts);
        continue;
      }
      const gapEnd = first === undefined ? target : Math.min(first.off, target);
      const length = gapEnd - this.nextOff;
      this.stats.gaps++;
      this.stats.gapBytes += length;
      this.nextOff = gapEnd;
      this.nextSeq = seqAdd(this.nextSeq, length);
      // The analyzer's answer was about the bytes that are now lost.
      this.skippable = 0;
      this.sink.gap(this.dir, length, ts);
      this.drain(ts);
    }
  }

  /** Give up the hole at the next expected byte (a cap was hit); `pendingOff` is the segment waiting. */
  private skipFirstHole(pendingOff: number, ts: number): void {
    const first = this.held === null ? undefined : this.held[0];
    this.skipTo(first === undefined ? pendingOff : Math.min(first.off, pendingOff), ts);
  }

  /** Give up holes the peer acknowledged, up to `limit`. */
  private giveUpAcked(limit: number, ts: number): void {
    let target = Math.min(this.ackedOff, limit);
    // The FIN itself takes a sequence number: an ACK of the FIN reaches finOff+1.
    if (this.finOff >= 0 && target > this.finOff) target = this.finOff;
    if (target > this.nextOff) this.skipTo(target, ts);
  }

  private noteFin(finOff: number, ts: number): void {
    if (this.finOff >= 0) return; // first FIN wins, like the first copy of any byte
    this.finOff = finOff;
    const held = this.held;
    if (held !== null) {
      // Bytes held beyond the FIN can never be delivered.
      while (held.length > 0) {
        const last = held[held.length - 1]!;
        const lastEnd = last.off + last.buf.length;
        if (lastEnd <= finOff) break;
        const drop = last.off >= finOff ? last.buf.length : lastEnd - finOff;
        this.stats.dataAfterFin += drop;
        this.held_ -= drop;
        if (drop === last.buf.length) held.pop();
        else last.buf = last.buf.subarray(0, last.buf.length - drop);
        this.budget.remove(this, drop);
      }
    }
    if (this.nextOff >= finOff) this.endNow('fin', ts);
    else if (this.ackedOff > this.nextOff) this.giveUpAcked(Infinity, ts);
  }

  private discardHeld(): void {
    const n = this.held_;
    this.held = null;
    this.held_ = 0;
    this.budget.remove(this, n);
  }

  private endNow(reason: EndReason, ts: number): void {
    if (this.ended_ !== null) return;
    this.ended_ = reason;
    if (this.held_ > 0) this.discardHeld();
    this.held = null;
    this.sink.end(this.dir, reason, ts);
  }
}
