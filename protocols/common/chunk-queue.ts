/**
 * A list of received chunks consumed exactly as needed (after `ws`'s
 * receiver): reads inside one chunk return views, only reads that cross
 * chunks copy. Chunks borrowed from the caller are copied by `retain()`
 * before the call that lent them returns, each byte at most once.
 *
 * The list is a ring of slots `[head, tail)` reused from call to call: most
 * calls push one chunk and drain it, and fresh lists each time were garbage.
 */
const EMPTY = Buffer.alloc(0);

export class ChunkQueue {
  private chunks: Buffer[] = [];
  private owned: boolean[] = [];
  private head = 0;
  private tail = 0;
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

  /** Copy every borrowed chunk still queued, so the caller may reuse its buffers. */
  retain(): void {
    for (let i = this.head; i < this.tail; i++) {
      if (!this.owned[i]) {
        this.chunks[i] = Buffer.from(this.chunks[i]!);
        this.owned[i] = true;
      }
    }
  }

  /** Drop everything. */
  clear(): void {
    // release the chunks (a borrowed one may be a view of a large capture batch)
    for (let i = this.head; i < this.tail; i++) this.chunks[i] = EMPTY;
    this.head = 0;
    this.tail = 0;
    this.length = 0;
  }

  /** The first queued chunk (a view), or an empty buffer. */
  first(): Buffer {
    return this.head < this.tail ? this.chunks[this.head]! : EMPTY;
  }

  /** Up to `n` first bytes, contiguous, without consuming them (copies only across chunks). */
  peek(n: number): Buffer {
    n = Math.min(n, this.length);
    if (this.head < this.tail) {
      const first = this.chunks[this.head]!;
      if (first.length >= n) return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    for (let i = this.head; got < n; i++) {
      const c = this.chunks[i]!;
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
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
    const n = Math.min(max, first.length);
    const out = n === first.length ? first : first.subarray(0, n);
    this.skip(n);
    return out;
  }

  /** Discard `n` bytes (clamped to what is queued). */
  skip(n: number): void {
    n = Math.min(n, this.length);
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[this.head]!;
      if (c.length <= n) {
        n -= c.length;
        this.chunks[this.head] = EMPTY;
        this.head++;
      } else {
        this.chunks[this.head] = c.subarray(n);
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
