/**
 * The HL7 v2 / MLLP stream analyzer: one instance per TCP connection, both
 * directions, each with its own MLLP framer. Each frame is tokenized and
 * projected to allow-listed events; a frame cut by a gap, the cap or the end
 * of the stream still yields what its header said, marked `partial`.
 */
import type { Direction, EndReason, StreamAnalyzer } from '../common/analyzer.js';
import { HL7_DEFAULT_MAX_FRAME_BYTES, HL7_HEADER_SEGMENTS, HL7_ISSUE_UNSUPPORTED_CHARSET, HL7_UTF8_BOM } from './constants.js';
import type { Hl7Event, Hl7StreamStats } from './events.js';
import { extractMessages } from './extract.js';
import { MllpFramer, type MllpCut } from './mllp.js';
import { tokenizeMessage } from './tokenizer.js';

/** Limits; every length is capped before anything is buffered. */
export interface Hl7Options {
  /** Largest MLLP payload held. Default 1 MiB. */
  maxFrameBytes?: number;
}

/**
 * Create the HL7 analyzer for one TCP connection. Events are emitted
 * synchronously from `data`, `gap` and `end`; nothing throws.
 */
export function createHl7Analyzer(
  emit: (e: Hl7Event) => void,
  opts: Hl7Options = {},
): StreamAnalyzer & { stats: Hl7StreamStats } {
  return new Hl7Stream(emit, opts);
}

const CR = 0x0d;
const LF = 0x0a;

class Hl7Stream implements StreamAnalyzer {
  readonly stats: Hl7StreamStats = {
    frames: 0,
    messages: 0,
    bytes: 0,
    malformed: 0,
    capHits: 0,
    resyncs: 0,
    gaps: 0,
    retainedBytes: 0,
    peakRetainedBytes: 0,
  };
  private readonly emit: (e: Hl7Event) => void;
  private readonly framers: Record<Direction, MllpFramer>;
  private ts = 0;

  constructor(emit: (e: Hl7Event) => void, opts: Hl7Options) {
    this.emit = emit;
    const max = opts.maxFrameBytes ?? HL7_DEFAULT_MAX_FRAME_BYTES;
    this.framers = { orig: this.framer('orig', max), resp: this.framer('resp', max) };
  }

  data(dir: Direction, chunk: Buffer, ts: number): void {
    this.ts = ts;
    this.stats.bytes += chunk.length;
    // guard() inlined: this runs once per segment, where a closure each was garbage
    try {
      this.framers[dir].push(chunk);
    } catch (err) {
      this.failed(dir, err);
    }
    this.updateStats();
  }

  gap(dir: Direction, length: number, ts: number): void {
    this.ts = ts;
    this.stats.gaps++;
    this.guard(dir, () => this.framers[dir].gap(length));
  }

  end(dir: Direction, reason: EndReason, ts: number): void {
    this.ts = ts;
    this.guard(dir, () => this.framers[dir].end(reason));
  }

  private framer(dir: Direction, max: number): MllpFramer {
    return new MllpFramer(
      {
        frame: (payload, cut) => this.onFrame(dir, payload, cut),
        anomaly: (kind, detail) => {
          if (kind === 'malformed') this.stats.malformed++;
          this.anomaly(dir, kind, detail);
        },
      },
      max,
    );
  }

  private onFrame(dir: Direction, payload: Buffer, cut: MllpCut): void {
    let body = payload;
    if (cut !== null) {
      // Only a frame whose header segment arrived whole says anything; its cut last segment is dropped
      const last = lastTerminator(payload);
      if (last < 0 || !startsWithHeader(payload)) return;
      body = payload.subarray(0, last);
    }
    const { items, issues } = extractMessages(tokenizeMessage(body), cut !== null);
    for (const detail of issues) {
      if (detail.startsWith(`${HL7_ISSUE_UNSUPPORTED_CHARSET}: `)) {
        this.anomaly(dir, HL7_ISSUE_UNSUPPORTED_CHARSET, detail.slice(HL7_ISSUE_UNSUPPORTED_CHARSET.length + 2));
        continue;
      }
      this.stats.malformed++;
      this.anomaly(dir, 'malformed', detail);
    }
    for (const item of items) {
      if (item.type === 'hl7.message') this.stats.messages++;
      // the projection is this call's own: stamp it rather than copy all its fields into a new event
      const event = item as typeof item & { ts: number; dir: Direction };
      event.ts = this.ts;
      event.dir = dir;
      this.emit(event as Hl7Event);
    }
  }

  private guard(dir: Direction, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failed(dir, err);
    }
    this.updateStats();
  }

  private failed(dir: Direction, err: unknown): void {
    this.stats.malformed++;
    try {
      this.anomaly(dir, 'internal', `analyzer error: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
    } catch {
      // the sink threw: nothing more we can report
    }
  }

  private updateStats(): void {
    const o = this.framers.orig;
    const r = this.framers.resp;
    this.stats.frames = o.frames + r.frames;
    this.stats.capHits = o.capHits + r.capHits;
    this.stats.resyncs = o.resyncs + r.resyncs;
    this.stats.retainedBytes = o.retainedBytes + r.retainedBytes;
    if (this.stats.retainedBytes > this.stats.peakRetainedBytes) this.stats.peakRetainedBytes = this.stats.retainedBytes;
  }

  private anomaly(dir: Direction, kind: string, detail: string): void {
    this.emit({ type: 'anomaly', ts: this.ts, dir, protocol: 'hl7', kind, detail });
  }
}

function lastTerminator(b: Buffer): number {
  for (let p = b.length - 1; p >= 0; p--) if (b[p] === CR || b[p] === LF) return p;
  return -1;
}

function startsWithHeader(b: Buffer): boolean {
  const off = b.subarray(0, 3).equals(HL7_UTF8_BOM) ? 3 : 0;
  return b.length >= off + 4 && HL7_HEADER_SEGMENTS.has(b.toString('latin1', off, off + 3));
}
