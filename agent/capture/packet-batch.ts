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

  constructor(buffer: ArrayBuffer, count: number, bytes: number) {
    this.buffer = buffer;
    this.count = count;
    this.bytes = Math.min(bytes, buffer.byteLength);
  }

  /**
   * Iterates the packets. Each `frame` is a Buffer view into `buffer`; it
   * stays valid as long as it is referenced. A record that overruns the
   * batch (impossible unless the worker is broken) ends the iteration.
   */
  [Symbol.iterator](): Iterator<CapturedPacket> {
    const buffer = this.buffer;
    const view = new DataView(buffer);
    const limit = this.bytes;
    let offset = 0;
    let left = this.count;
    return {
      next(): IteratorResult<CapturedPacket> {
        if (left === 0 || offset + BATCH_RECORD_HEADER > limit) return { done: true, value: undefined };
        const tsSec = view.getUint32(offset, true);
        const tsUsec = view.getUint32(offset + 4, true);
        const capLen = view.getUint32(offset + 8, true);
        const origLen = view.getUint32(offset + 12, true);
        const start = offset + BATCH_RECORD_HEADER;
        if (start + capLen > limit) return { done: true, value: undefined };
        offset = start + capLen;
        left--;
        return {
          done: false,
          value: { ts: tsSec + tsUsec / 1e6, capLen, origLen, frame: Buffer.from(buffer, start, capLen) },
        };
      },
    };
  }
}
