/**
 * MLLP framing for one direction of a TCP connection (HL7 v2.5 Appendix
 * C.4, "MLLP Release 2"): <SB=0x0B> payload <EB=0x1C><CR=0x0D>.
 *
 * An incremental state machine over a chunk list. Payload bytes are passed
 * on as views when a frame lies inside one chunk; a frame spanning chunks is
 * held (each byte copied once) up to the frame cap, and joined once when it
 * ends. Past the cap nothing more is held: the frame is skipped up to the
 * next start block. Gaps, garbage and streams joined in the middle are
 * resynchronised on the next start block followed by MSH/FHS/BHS.
 */
import { ChunkQueue } from '../common/chunk-queue.js';
import { HL7_DEFAULT_MAX_FRAME_BYTES, MLLP_CARRIAGE_RETURN, MLLP_END_BLOCK, MLLP_START_BLOCK } from './constants.js';
import { HL7_PROBE_LOOKAHEAD, plausibleFrameStart } from './probe.js';

/** Why a frame was handed over before its end block: null when it was complete. */
export type MllpCut = null | 'gap' | 'cap' | 'end' | 'restart';

/** Where the framer reports frames and anomalies. */
export interface MllpSink {
  /** A payload (start and end blocks excluded); valid only during the call. */
  frame(payload: Buffer, cut: MllpCut): void;
  anomaly(kind: 'gap' | 'cap' | 'resync' | 'truncated' | 'malformed', detail: string): void;
}

type State = 'hunt' | 'frame' | 'trailer';

const LF = 0x0a;

/**
 * Where frames that spanned chunks are joined for the sink (valid during its
 * call only), grown to the largest such frame: at most the largest frame
 * cap in use, once per process.
 */
let joinScratch = Buffer.alloc(0);
/** A sink that somehow fed another framer from its call gets a fresh buffer instead. */
let joinBusy = false;

/** One direction's MLLP framer. Never throws on input bytes. */
export class MllpFramer {
  /** Frames completed or cut. */
  frames = 0;
  capHits = 0;
  resyncs = 0;
  private readonly q = new ChunkQueue();
  private state: State = 'hunt';
  /** Payload pieces of the frame in progress; those at index >= `owned` still borrow the caller's chunk. */
  private pieces: Buffer[] = [];
  private owned = 0;
  private held = 0;
  /** Bytes skipped while hunting since the last frame start. */
  private skipped = 0;
  /** Sync was lost (gap, bad frame) since the last frame start. */
  private lostSync = false;
  /** The hunt follows a cap hit: already reported, don't report the skip as a resync. */
  private afterCap = false;

  constructor(
    private readonly sink: MllpSink,
    private readonly maxFrame: number = HL7_DEFAULT_MAX_FRAME_BYTES,
  ) {}

  /** Bytes held now (frame in progress plus hunt lookahead), all owned copies between calls. */
  get retainedBytes(): number {
    return this.held + this.q.length;
  }

  /** Feed in-order bytes. `chunk` is only read during the call. */
  push(chunk: Buffer): void {
    this.q.push(chunk);
    try {
      this.run();
    } finally {
      this.q.retain();
      this.retainPieces();
    }
  }

  /** `n` bytes were lost before the next `push`. */
  gap(n: number): void {
    const where = this.state === 'frame' ? 'inside an MLLP frame; partial frame dropped' : 'between MLLP frames';
    this.sink.anomaly('gap', `${n} bytes lost ${where}, resynchronising`);
    this.q.clear();
    if (this.state === 'frame') this.finish('gap');
    this.toHunt(true);
  }

  /** The direction ended; a frame in progress is handed over as cut. */
  end(reason: string): void {
    if (this.state === 'frame') {
      this.sink.anomaly('truncated', `stream ended (${reason}) inside an MLLP frame after ${this.held} bytes`);
      this.finish('end');
    } else if (this.skipped + this.q.length > 0 && !this.afterCap) {
      this.sink.anomaly('resync', `stream ended (${reason}) after ${this.skipped + this.q.length} bytes without an MLLP frame start`);
    }
    this.q.clear();
    this.toHunt(false);
    this.skipped = 0;
  }

  private run(): void {
    for (;;) {
      if (this.q.length === 0) return;
      switch (this.state) {
        case 'hunt':
          if (!this.hunt()) return;
          break;
        case 'frame':
          this.frameBytes();
          break;
        case 'trailer': {
          // HL7 v2.5 C.4.2: <EB> is followed by <CR>; tolerate extra line ends between frames
          const c = this.q.headChunk()[this.q.headOffset]!;
          if (c === MLLP_CARRIAGE_RETURN || c === LF) this.q.skip(1);
          else this.state = 'hunt';
          break;
        }
      }
    }
  }

  /** Skip to the next plausible frame start. Returns true once inside a frame. */
  private hunt(): boolean {
    const q = this.q;
    while (q.length > 0) {
      // read in place: the first chunk from the queue's offset, no view
      const c = q.headChunk();
      const o = q.headOffset;
      const idx = c.indexOf(MLLP_START_BLOCK, o);
      if (idx < 0) {
        this.skipped += c.length - o;
        q.skip(c.length - o);
        continue;
      }
      this.skipped += idx - o;
      q.skip(idx - o);
      const verdict = q.contiguous(HL7_PROBE_LOOKAHEAD)
        ? plausibleFrameStart(q.headChunk(), q.headOffset, true)
        : plausibleFrameStart(q.peek(HL7_PROBE_LOOKAHEAD), 0, true);
      if (verdict === 'need-more') return false;
      if (verdict === 'no-match') {
        this.skipped++;
        q.skip(1);
        continue;
      }
      if ((this.skipped > 0 || this.lostSync) && !this.afterCap) {
        this.resyncs++;
        this.sink.anomaly('resync', `found an MLLP frame start after skipping ${this.skipped} bytes`);
      }
      q.skip(1);
      this.skipped = 0;
      this.lostSync = false;
      this.afterCap = false;
      this.state = 'frame';
      return true;
    }
    return false;
  }

  /** Consume payload bytes of the first queued chunk up to an end block (or a stray start block). */
  private frameBytes(): void {
    const q = this.q;
    const c = q.headChunk();
    const o = q.headOffset;
    const eb = c.indexOf(MLLP_END_BLOCK, o);
    const stop = eb < 0 ? c.length : eb;
    const sbAt = c.indexOf(MLLP_START_BLOCK, o);
    if (sbAt >= 0 && sbAt < stop) {
      // A start block inside a frame: the sender gave up on this frame (or we lost its end)
      if (!this.append(c, o, sbAt)) return;
      q.skip(sbAt - o);
      this.sink.anomaly('malformed', `start block inside an MLLP frame after ${this.held} bytes; frame cut`);
      this.finish('restart');
      this.toHunt(false); // the next frame starts right here: not a loss of sync
      return;
    }
    if (eb < 0) {
      if (!this.append(c, o, stop)) return;
      q.skip(stop - o);
      return;
    }
    if (!this.append(c, o, eb)) return;
    q.skip(eb + 1 - o);
    this.finish(null);
    this.state = 'trailer';
  }

  /** Add payload bytes `c[start, end)` under the cap. False when the cap was hit (the frame is then given up). */
  private append(c: Buffer, start: number, end: number): boolean {
    const n = end - start;
    if (n === 0) return true;
    if (this.held + n > this.maxFrame) {
      const fit = this.maxFrame - this.held;
      if (fit > 0) {
        this.pieces.push(c.subarray(start, start + fit));
        this.held += fit;
      }
      this.capHits++;
      this.sink.anomaly('cap', `MLLP frame exceeds ${this.maxFrame} bytes; rest skipped to the next start block`);
      this.finish('cap');
      // consume what was looked at, so the skipped part is never held
      this.q.skip(n);
      this.toHunt(false);
      this.afterCap = true;
      return false;
    }
    this.pieces.push(start === 0 && end === c.length ? c : c.subarray(start, end));
    this.held += n;
    return true;
  }

  /** Hand the frame in progress to the sink and forget it. */
  private finish(cut: MllpCut): void {
    const pieces = this.pieces;
    const held = this.held;
    this.pieces = [];
    this.owned = 0;
    this.held = 0;
    this.frames++;
    if (pieces.length === 1) {
      this.sink.frame(pieces[0]!, cut);
      return;
    }
    // A frame that spanned chunks is joined once, into scratch shared by every framer: the payload
    // is only valid during the call, and frames are handed over one at a time.
    if (joinBusy) {
      this.sink.frame(Buffer.concat(pieces, held), cut);
      return;
    }
    if (joinScratch.length < held) joinScratch = Buffer.allocUnsafeSlow(Math.max(held, Math.min(2 * joinScratch.length, this.maxFrame)));
    let at = 0;
    for (const p of pieces) at += p.copy(joinScratch, at);
    joinBusy = true;
    try {
      this.sink.frame(joinScratch.subarray(0, held), cut);
    } finally {
      joinBusy = false;
    }
  }

  private toHunt(lostSync: boolean): void {
    this.pieces = [];
    this.owned = 0;
    this.held = 0;
    this.state = 'hunt';
    this.afterCap = false;
    if (lostSync) this.lostSync = true;
  }

  /** Copy the pieces that still point into the caller's chunk. */
  private retainPieces(): void {
    for (let i = this.owned; i < this.pieces.length; i++) this.pieces[i] = Buffer.from(this.pieces[i]!);
    this.owned = this.pieces.length;
  }
}
