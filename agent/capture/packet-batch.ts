/**
 * A batch received from the capture worker: a view over its ArrayBuffer
 * that yields one `CapturedPacket` per record without copying frame bytes.
 */
import { BATCH_RECORD_HEADER, type CapturedPacket } from './types.js';

/** One transferred batch of packets (layout in types.ts). */
export class PacketBatch implements Iterable<CapturedPacket> {
  /** The batch's bytes; owned by the main thread once received. */
  readonly buffer: ArrayBuffer;
  /** Number of packet records. */
  readonly count: number;
  /** Bytes of `buffer` in use. */
  readonly bytes: number;
  private readonly u32: Uint32Array | null;

  constructor(buffer: ArrayBuffer, count: number, bytes: number) {
    this.buffer = buffer;
    this.count = count;
    this.bytes = Math.min(bytes, buffer.byteLength);
    // Records are not 4-byte aligned; this view only serves aligned ones (a fast path).
    this.u32 = buffer.byteLength % 4 === 0 ? new Uint32Array(buffer) : null;
  }

  /**
   * Calls `fn` for each packet with a Buffer view of its frame, valid as long
   * as it is referenced. Stops at a record that overruns the batch
   * (impossible unless the worker is broken).
   */
  forEach(fn: (frame: Buffer, ts: number, capLen: number, origLen: number) => void): void {
    this.forEachAt((buf, start, end, ts, origLen) => fn(buf.subarray(start, end), ts, end - start, origLen));
  }

  /**
   * Like `forEach`, but without a view per packet: `fn` gets one Buffer over
   * the whole batch and the frame's `[start, end)` in it. The cheapest way
   * through a batch, for decoders that take offsets (`decodeFrameAt`).
   */
  forEachAt(fn: (buf: Buffer, start: number, end: number, ts: number, origLen: number) => void): void {
    const buffer = this.buffer;
    const buf = Buffer.from(buffer, 0, this.bytes);
    const view = new DataView(buffer);
    const u32 = this.u32;
    const limit = this.bytes;
    let offset = 0;
    for (let left = this.count; left > 0; left--) {
      if (offset + BATCH_RECORD_HEADER > limit) return;
      let tsSec: number, tsUsec: number, capLen: number, origLen: number;
      if (u32 !== null && (offset & 3) === 0) {
        const i = offset >>> 2;
        tsSec = u32[i];
        tsUsec = u32[i + 1];
        capLen = u32[i + 2];
        origLen = u32[i + 3];
      } else {
        tsSec = view.getUint32(offset, true);
        tsUsec = view.getUint32(offset + 4, true);
        capLen = view.getUint32(offset + 8, true);
        origLen = view.getUint32(offset + 12, true);
      }
      const start = offset + BATCH_RECORD_HEADER;
      if (start + capLen > limit) return;
      offset = start + capLen;
      fn(buf, start, offset, tsSec + tsUsec / 1e6, origLen);
    }
  }

  /** Collects the packets as `CapturedPacket` objects (see `forEach` for the view lifetime). */
  [Symbol.iterator](): Iterator<CapturedPacket> {
    const packets: CapturedPacket[] = [];
    this.forEach((frame, ts, capLen, origLen) => packets.push({ ts, capLen, origLen, frame }));
    return packets[Symbol.iterator]();
  }
}
