/**
 * A list of received chunks consumed exactly as needed (after `ws`'s
 * receiver): reads inside one chunk return views, only reads that cross
 * chunks copy. Chunks borrowed from the caller are copied by `retain()`
 * before the call that lent them returns, each byte at most once.
 */
export class ChunkQueue {
  private chunks: Buffer[] = [];
  private owned: boolean[] = [];
  private head = 0;
  /** Unconsumed bytes. */
  length = 0;

  /** Borrow a chunk valid only until `retain()` is called. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.owned.push(false);
    this.length += chunk.length;
  }

  /** Copy every borrowed chunk still queued, so the caller may reuse its buffers. */
  retain(): void {
    for (let i = this.head; i < this.chunks.length; i++) {
      if (!this.owned[i]) {
        this.chunks[i] = Buffer.from(this.chunks[i]!);
        this.owned[i] = true;
      }
    }
  }

  /** Drop everything. The lists are emptied in place: most calls drain the queue, and new lists each time were garbage. */
  clear(): void {
    this.chunks.length = 0;
    this.owned.length = 0;
    this.head = 0;
    this.length = 0;
  }

  /** The first queued chunk (a view), or an empty buffer. */
  first(): Buffer {
    return this.chunks[this.head] ?? Buffer.alloc(0);
  }

  /** Up to `n` first bytes, contiguous, without consuming them (copies only across chunks). */
  peek(n: number): Buffer {
    n = Math.min(n, this.length);
    const first = this.chunks[this.head];
    if (first && first.length >= n) return first.subarray(0, n);
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
    const first = this.chunks[this.head];
    if (!first || max <= 0) return Buffer.alloc(0);
    const n = Math.min(max, first.length);
    const out = first.subarray(0, n);
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
        this.head++;
      } else {
        this.chunks[this.head] = c.subarray(n);
        n = 0;
      }
    }
    if (this.length === 0) {
      this.clear();
    } else if (this.head > 32 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.owned = this.owned.slice(this.head);
      this.head = 0;
    }
  }
}
