/**
 * A list of received chunks consumed exactly as needed (after `ws`'s
 * receiver): reads inside one chunk return views, only reads that cross
 * chunks copy. Chunks borrowed from the caller are copied by `retain()`
 * before the call that lent them returns, each byte at most once.
 *
 * The list is a ring of slots `[head, tail)` reused from call to call: most
 * calls push one chunk and drain it, and fresh lists each time were garbage.
 * Consuming part of the first chunk moves an offset into it rather than
 * re-slicing it, and callers that can read in place (`headChunk`,
 * `headOffset`, `contiguous`) take no view at all: framing a small message
 * used to cost a handful of views.
 */
const EMPTY = Buffer.alloc(0);

export class ChunkQueue {
  private chunks: Buffer[] = [];
  private owned: boolean[] = [];
  private head = 0;
  private tail = 0;
  /** Bytes of the first chunk already consumed. */
  private off = 0;
  /** Unconsumed bytes. */
  length = 0;

  /** Borrow a chunk valid only until `retain()` is called. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks[this.tail] = chunk;
    this.owned[this.tail] = false;
    this.tail++;
    this.length += chunk.length;
  }

  /** Copy every borrowed chunk still queued (its unconsumed bytes), so the caller may reuse its buffers. */
  retain(): void {
    for (let i = this.head; i < this.tail; i++) {
      if (this.owned[i]) continue;
      const c = this.chunks[i]!;
      if (i === this.head && this.off > 0) {
        const copy = Buffer.allocUnsafe(c.length - this.off);
        c.copy(copy, 0, this.off);
        this.chunks[i] = copy;
        this.off = 0;
      } else {
        this.chunks[i] = Buffer.from(c);
      }
      this.owned[i] = true;
    }
  }

  /** Drop everything. */
  clear(): void {
    // release the chunks (a borrowed one may be a view of a large capture batch)
    for (let i = this.head; i < this.tail; i++) this.chunks[i] = EMPTY;
    this.head = 0;
    this.tail = 0;
    this.off = 0;
    this.length = 0;
  }

  /** The first queued chunk's unconsumed bytes (a view), or an empty buffer. */
  first(): Buffer {
    if (this.head >= this.tail) return EMPTY;
    const c = this.chunks[this.head]!;
    return this.off === 0 ? c : c.subarray(this.off);
  }

  /**
   * The first queued chunk as stored, to be read in place from `headOffset`
   * (its unconsumed bytes are `[headOffset, length)`); empty when nothing is queued.
   */
  headChunk(): Buffer {
    return this.head < this.tail ? this.chunks[this.head]! : EMPTY;
  }

  /** Offset of the first unconsumed byte in `headChunk()`. */
  get headOffset(): number {
    return this.off;
  }

  /** True when the first `n` unconsumed bytes all lie in `headChunk()`. */
  contiguous(n: number): boolean {
    return this.head < this.tail && this.chunks[this.head]!.length - this.off >= n;
  }

  /** Up to `n` first bytes, contiguous, without consuming them (copies only across chunks). */
  peek(n: number): Buffer {
    n = Math.min(n, this.length);
    if (this.head < this.tail) {
      const first = this.chunks[this.head]!;
      if (first.length - this.off >= n) return this.off === 0 && first.length === n ? first : first.subarray(this.off, this.off + n);
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (let i = this.head; got < n; i++) {
      const c = this.chunks[i]!;
      const from = i === this.head ? this.off : 0;
      const k = Math.min(c.length - from, n - got);
      c.copy(out, got, from, from + k);
      got += k;
    }
    return out;
  }

  /** Consume `n` bytes (n <= length) and return them contiguous. */
  consume(n: number): Buffer {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  /** Consume up to `max` bytes from the first chunk only: a view, never a copy. */
  take(max: number): Buffer {
    if (this.head >= this.tail || max <= 0) return EMPTY;
    const first = this.chunks[this.head]!;
    const n = Math.min(max, first.length - this.off);
    const out = this.off === 0 && n === first.length ? first : first.subarray(this.off, this.off + n);
    this.skip(n);
    return out;
  }

  /** Discard `n` bytes (clamped to what is queued). */
  skip(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[this.head]!;
      const left = c.length - this.off;
      if (left <= n) {
        n -= left;
        this.chunks[this.head] = EMPTY;
        this.head++;
        this.off = 0;
      } else {
        this.off += n;
        n = 0;
      }
    }
    if (this.length === 0) {
      this.clear();
    } else if (this.head > 32 && this.head * 2 > this.tail) {
      // move the live slots to the front
      const live = this.tail - this.head;
      for (let i = 0; i < live; i++) {
        this.chunks[i] = this.chunks[this.head + i]!;
        this.owned[i] = this.owned[this.head + i]!;
        this.chunks[this.head + i] = EMPTY;
      }
      this.head = 0;
      this.tail = live;
    }
  }
}
